/*
 * Partial syncs, as kube-proxy's MinimizeIPTablesRestore: after a full
 * sync the proxy remembers the chains it wrote and their digests, and
 * the next restores carry only the top chains and the service chains
 * that changed. A failed restore leaves the tables in doubt, so the next
 * sync rewrites everything; so does the first sync after an hour.
 */
#include "net/proxy_internal.h"

int k8sc__proxy_sync_rules(k8sc__proxy_syncer *s, const k8sc__proxy_tools *t, const k8sc__proxy_model *m,
    const k8sc__proxy_rules_options *o, int64_t now_ns, bool *full)
{
    K8SC__CHECK_ARG(s && t && m && o);
    k8sc__proxy_rules_options ro = *o;
    ro.partial = s->synced && !s->need_full && now_ns - s->last_full_ns < K8SC__PROXY_FULL_SYNC_NS;
    if (full)
        *full = !ro.partial;
    char *text = NULL;
    size_t len = 0;
    k8sc__proxy_chains now = { NULL, NULL, 0 };
    int rc = k8sc__proxy_rules(&text, &len, &now, m, &ro, &s->chains);
    if (rc == 0)
        rc = k8sc__proxy_restore(t, text, len);
    k8sc_free(text);
    if (rc != 0) {
        k8sc__proxy_chains_clear(&now);
        s->need_full = true;
        return rc;
    }
    k8sc__proxy_chains_clear(&s->chains);
    s->chains = now;
    s->synced = true;
    if (!ro.partial) {
        s->need_full = false;
        s->last_full_ns = now_ns;
    }
    return 0;
}

void k8sc__proxy_syncer_clear(k8sc__proxy_syncer *s)
{
    if (!s)
        return;
    k8sc__proxy_chains_clear(&s->chains);
    *s = (k8sc__proxy_syncer){ { NULL, NULL, 0 }, false, false, 0 };
}
