/* Status conditions as the Kubernetes controllers keep them (deployment and node lifecycle). */
#include <string.h>

#include "workload.h"

struct json_object *k8sc__condition(struct json_object *status, const char *type)
{
    struct json_object *conds, *t;
    if (!status || !json_object_object_get_ex(status, "conditions", &conds) || !json_object_is_type(conds, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(conds); i++) {
        struct json_object *c = json_object_array_get_idx(conds, i);
        if (json_object_object_get_ex(c, "type", &t) && strcmp(json_object_get_string(t), type) == 0)
            return c;
    }
    return NULL;
}

static const char *field(struct json_object *o, const char *key)
{
    struct json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

void k8sc__remove_condition(struct json_object *status, const char *type)
{
    struct json_object *conds;
    if (!status || !json_object_object_get_ex(status, "conditions", &conds) || !json_object_is_type(conds, json_type_array))
        return;
    for (size_t i = json_object_array_length(conds); i-- > 0;)
        if (strcmp(field(json_object_array_get_idx(conds, i), "type"), type) == 0)
            json_object_array_del_idx(conds, i, 1);
    if (json_object_array_length(conds) == 0)
        json_object_object_del(status, "conditions");
}

int k8sc__set_condition(struct json_object *status, const char *type, const char *cstatus, const char *reason,
    const char *message, int64_t now)
{
    struct json_object *cur = k8sc__condition(status, type);
    if (cur && strcmp(field(cur, "status"), cstatus) == 0 && strcmp(field(cur, "reason"), reason) == 0)
        return 0;
    char ts[K8SC_TIME_BUFSIZE];
    k8sc_time_format(ts, sizeof(ts), now);
    struct json_object *c = json_object_new_object();
    if (!c)
        return K8SC_ENOMEM;
    json_object_object_add(c, "type", json_object_new_string(type));
    json_object_object_add(c, "status", json_object_new_string(cstatus));
    json_object_object_add(c, "lastUpdateTime", json_object_new_string(ts));
    /* The transition time moves only when the status does. */
    bool same_status = cur && strcmp(field(cur, "status"), cstatus) == 0;
    json_object_object_add(c, "lastTransitionTime", json_object_new_string(same_status ? field(cur, "lastTransitionTime") : ts));
    json_object_object_add(c, "reason", json_object_new_string(reason));
    json_object_object_add(c, "message", json_object_new_string(message));
    k8sc__remove_condition(status, type);
    struct json_object *conds;
    if (!json_object_object_get_ex(status, "conditions", &conds)) {
        conds = json_object_new_array();
        json_object_object_add(status, "conditions", conds);
    }
    return json_object_array_add(conds, c) == 0 ? 0 : K8SC_ENOMEM;
}
