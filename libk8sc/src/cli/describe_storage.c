/* kubectl describe persistentvolumeclaim, persistentvolume and storageclass. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

#define BETA_CLASS "volume.beta.kubernetes.io/storage-class"

const char *k8sc__describe_claim_class(struct json_object *pvc)
{
    const char *beta = k8sc__dj_key(k8sc__dj_get(pvc, "metadata.annotations"), BETA_CLASS);
    return beta ? beta : k8sc__dj_or(pvc, "spec.storageClassName");
}

/* GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
static void access_modes(char *buf, size_t size, struct json_object *modes)
{
    static const char *const names[][2] = { { "ReadWriteOnce", "RWO" }, { "ReadOnlyMany", "ROX" },
        { "ReadWriteMany", "RWX" }, { "ReadWriteOncePod", "RWOP" } };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < K8SC__ARRAY_LEN(names); k++)
        for (size_t i = 0; i < k8sc__dj_len(modes); i++)
            if (strcmp(json_object_get_string(k8sc__dj_at(modes, i)), names[k][0]) == 0) {
                n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "," : "", names[k][1]);
                break;
            }
}

/* "Finalizers: [a b]" as Go's %v prints a []string. */
static void write_finalizers(k8sc__dw *w, struct json_object *obj)
{
    k8sc__buf b = K8SC__BUF_INIT;
    k8sc__describe_go_list(&b, k8sc__dj_get(obj, "metadata.finalizers"));
    k8sc__dw_write(w, 0, "Finalizers:\t%s\n", b.ptr ? b.ptr : "[]");
    k8sc__buf_free(&b);
}

/* "Status:" of a volume or claim: Terminating while being deleted, else the phase. */
static void write_status(k8sc__dw *w, struct json_object *obj)
{
    const char *deleted = k8sc__dj_str(obj, "metadata.deletionTimestamp");
    char age[32];
    if (deleted) {
        k8sc__describe_age(age, sizeof(age), deleted, w->now);
        k8sc__dw_write(w, 0, "Status:\tTerminating (lasts %s)\n", age);
    } else {
        k8sc__dw_write(w, 0, "Status:\t%s\n", k8sc__dj_or(obj, "status.phase"));
    }
}

static bool uses_claim(struct json_object *pod, struct json_object *pvc)
{
    struct json_object *vols = k8sc__dj_get(pod, "spec.volumes");
    for (size_t i = 0; i < k8sc__dj_len(vols); i++) {
        const char *claim = k8sc__dj_str(k8sc__dj_at(vols, i), "persistentVolumeClaim.claimName");
        if (claim && strcmp(claim, k8sc__dj_or(pvc, "metadata.name")) == 0)
            return true;
    }
    return false;
}

static bool owns_claim(struct json_object *pod, struct json_object *pvc)
{
    struct json_object *refs = k8sc__dj_get(pvc, "metadata.ownerReferences");
    const char *uid = k8sc__dj_str(pod, "metadata.uid");
    for (size_t i = 0; uid && i < k8sc__dj_len(refs); i++) {
        struct json_object *r = k8sc__dj_at(refs, i);
        if (strcmp(k8sc__dj_or(r, "kind"), "Pod") == 0 && strcmp(k8sc__dj_or(r, "uid"), uid) == 0)
            return true;
    }
    return false;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(k8sc_object_name(*(k8sc_object *const *)a), k8sc_object_name(*(k8sc_object *const *)b));
}

/* "Used By": the pods (of `related`) with a volume of the claim, and those owning it, sorted by name. */
static void write_used_by(k8sc__dw *w, const k8sc__describe_input *in)
{
    k8sc_object **pods = k8sc__calloc(in->nrelated ? in->nrelated : 1, sizeof(*pods));
    size_t n = 0;
    for (size_t i = 0; pods && i < in->nrelated; i++) {
        struct json_object *pod = k8sc_object_json(in->related[i]);
        if (uses_claim(pod, in->obj) || owns_claim(pod, in->obj))
            pods[n++] = in->related[i];
    }
    if (n)
        qsort(pods, n, sizeof(*pods), by_name);
    k8sc__dw_write(w, 0, "Used By:\t%s\n", n ? k8sc_object_name(pods[0]) : "<none>");
    for (size_t i = 1; i < n; i++)
        k8sc__dw_write(w, 0, "\t%s\n", k8sc_object_name(pods[i]));
    free(pods);
}

void k8sc__describe_pvc(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *pvc = in->obj, *spec = k8sc__dj_get(pvc, "spec"), *conds = k8sc__dj_get(pvc, "status.conditions");
    const char *volume = k8sc__dj_or(spec, "volumeName");
    char cap[K8SC_QUANTITY_BUFSIZE + 64] = "", modes[64] = "", t[64], t2[64];
    k8sc__dw_name(w, pvc, true);
    k8sc__dw_write(w, 0, "StorageClass:\t%s\n", k8sc__describe_claim_class(pvc));
    write_status(w, pvc);
    k8sc__dw_write(w, 0, "Volume:\t%s\n", volume);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(pvc, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(pvc, "metadata.annotations"));
    write_finalizers(w, pvc);
    if (*volume) {
        access_modes(modes, sizeof(modes), k8sc__dj_get(pvc, "status.accessModes"));
        k8sc__describe_quantity(cap, sizeof(cap), k8sc__dj_str(pvc, "status.capacity.storage"));
    }
    k8sc__dw_write(w, 0, "Capacity:\t%s\n", cap);
    k8sc__dw_write(w, 0, "Access Modes:\t%s\n", modes);
    if (k8sc__dj_str(spec, "volumeMode"))
        k8sc__dw_write(w, 0, "VolumeMode:\t%s\n", k8sc__dj_str(spec, "volumeMode"));
    struct json_object *ds = k8sc__dj_get(spec, "dataSource");
    if (ds) {
        k8sc__dw_write(w, 0, "DataSource:\n");
        if (k8sc__dj_str(ds, "apiGroup"))
            k8sc__dw_write(w, 1, "APIGroup:\t%s\n", k8sc__dj_str(ds, "apiGroup"));
        k8sc__dw_write(w, 1, "Kind:\t%s\n", k8sc__dj_or(ds, "kind"));
        k8sc__dw_write(w, 1, "Name:\t%s\n", k8sc__dj_or(ds, "name"));
    }
    write_used_by(w, in);
    if (k8sc__dj_len(conds)) {
        k8sc__dw_write(w, 0, "Conditions:\n");
        k8sc__dw_write(w, 1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n");
        k8sc__dw_write(w, 1, "----\t------\t-----------------\t------------------\t------\t-------\n");
        for (size_t i = 0; i < k8sc__dj_len(conds); i++) {
            struct json_object *c = k8sc__dj_at(conds, i);
            k8sc__describe_time(t, sizeof(t), k8sc__dj_str(c, "lastProbeTime"));
            k8sc__describe_time(t2, sizeof(t2), k8sc__dj_str(c, "lastTransitionTime"));
            k8sc__dw_write(w, 1, "%s \t%s \t%s \t%s \t%s \t%s\n", k8sc__dj_or(c, "type"), k8sc__dj_or(c, "status"),
                *t ? t : "Mon, 01 Jan 0001 00:00:00 +0000", *t2 ? t2 : "Mon, 01 Jan 0001 00:00:00 +0000",
                k8sc__dj_or(c, "reason"), k8sc__dj_or(c, "message"));
        }
    }
    k8sc__dw_events(w, in->events, in->nevents);
}

/* How a field of a volume source prints. */
enum { STR, INT, BOOL, END };

/* A volume source kubectl prints as a fixed list of fields. */
static const struct source {
    const char *member, *type;
    struct {
        const char *label, *path;
        int kind;
    } fields[11];
} sources[] = {
    { "hostPath", "HostPath (bare host directory volume)", { { "Path", "path", STR }, { NULL, NULL, END } } },
    { "gcePersistentDisk", "GCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)",
        { { "PDName", "pdName", STR }, { "FSType", "fsType", STR }, { "Partition", "partition", INT },
            { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "awsElasticBlockStore", "AWSElasticBlockStore (a Persistent Disk resource in AWS)",
        { { "VolumeID", "volumeID", STR }, { "FSType", "fsType", STR }, { "Partition", "partition", INT },
            { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "nfs", "NFS (an NFS mount that lasts the lifetime of a pod)",
        { { "Server", "server", STR }, { "Path", "path", STR }, { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "glusterfs", "Glusterfs (a Glusterfs mount on the host that shares a pod's lifetime)",
        { { "EndpointsName", "endpoints", STR }, { "EndpointsNamespace", "endpointsNamespace", STR },
            { "Path", "path", STR }, { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "quobyte", "Quobyte (a Quobyte mount on the host that shares a pod's lifetime)",
        { { "Registry", "registry", STR }, { "Volume", "volume", STR }, { "ReadOnly", "readOnly", BOOL },
            { NULL, NULL, END } } },
    { "vsphereVolume", "vSphereVolume (a Persistent Disk resource in vSphere)",
        { { "VolumePath", "volumePath", STR }, { "FSType", "fsType", STR },
            { "StoragePolicyName", "storagePolicyName", STR }, { NULL, NULL, END } } },
    { "photonPersistentDisk", "PhotonPersistentDisk (a Persistent Disk resource in photon platform)",
        { { "PdID", "pdID", STR }, { "FSType", "fsType", STR }, { NULL, NULL, END } } },
    { "portworxVolume", "PortworxVolume (a Portworx Volume resource)",
        { { "VolumeID", "volumeID", STR }, { NULL, NULL, END } } },
    { "scaleIO", "ScaleIO (a persistent volume backed by a block device in ScaleIO)",
        { { "Gateway", "gateway", STR }, { "System", "system", STR }, { "Protection Domain", "protectionDomain", STR },
            { "Storage Pool", "storagePool", STR }, { "Storage Mode", "storageMode", STR },
            { "VolumeName", "volumeName", STR }, { "SecretName", "secretRef.name", STR },
            { "SecretNamespace", "secretRef.namespace", STR }, { "FSType", "fsType", STR },
            { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "local", "LocalVolume (a persistent volume backed by local storage on a node)",
        { { "Path", "path", STR }, { NULL, NULL, END } } },
    { "storageos", "StorageOS (a StorageOS Persistent Disk resource)",
        { { "VolumeName", "volumeName", STR }, { "VolumeNamespace", "volumeNamespace", STR },
            { "FSType", "fsType", STR }, { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "azureFile", "AzureFile (an Azure File Service mount on the host and bind mount to the pod)",
        { { "SecretName", "secretName", STR }, { "SecretNamespace", "secretNamespace", STR },
            { "ShareName", "shareName", STR }, { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
    { "flocker", "Flocker (a Flocker volume mounted by the Flocker agent)",
        { { "DatasetName", "datasetName", STR }, { "DatasetUUID", "datasetUUID", STR }, { NULL, NULL, END } } },
    { "csi", "CSI (a Container Storage Interface (CSI) volume source)",
        { { "Driver", "driver", STR }, { "FSType", "fsType", STR }, { "VolumeHandle", "volumeHandle", STR },
            { "ReadOnly", "readOnly", BOOL }, { NULL, NULL, END } } },
};

/* printCSIPersistentVolumeAttributesMultiline, quirks of its continuation lines included. */
static void write_csi_attributes(k8sc__dw *w, struct json_object *attrs)
{
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(attrs, NULL, &n);
    k8sc__dw_write(w, 2, "VolumeAttributes:\t");
    if (!keys || n == 0)
        k8sc__dw_write(w, 0, "<none>\n");
    for (size_t i = 0; keys && i < n; i++) {
        const char *v = json_object_get_string(json_object_object_get(attrs, keys[i]));
        k8sc__buf line = K8SC__BUF_INIT;
        k8sc__buf_printf(&line, "%s=%s", keys[i], v ? v : "");
        if (i)
            k8sc__dw_write(w, 2, "    \t");
        if (line.ptr && line.len > 140)
            k8sc__dw_write(w, 2, "%.140s...\n", line.ptr);
        else if (line.ptr)
            k8sc__dw_write(w, 2, "%s\n", line.ptr);
        k8sc__buf_free(&line);
    }
    free(keys);
}

static void write_source(k8sc__dw *w, struct json_object *spec)
{
    for (size_t i = 0; i < K8SC__ARRAY_LEN(sources); i++) {
        const struct source *s = &sources[i];
        struct json_object *src = k8sc__dj_get(spec, s->member);
        if (!src)
            continue;
        k8sc__dw_write(w, 2, "Type:\t%s\n", s->type);
        for (size_t f = 0; s->fields[f].kind != END; f++) {
            struct json_object *v = k8sc__dj_get(src, s->fields[f].path);
            if (s->fields[f].kind == INT)
                k8sc__dw_write(w, 0, "    %s:\t%lld\n", s->fields[f].label, (long long)k8sc__dj_int(src, s->fields[f].path, 0));
            else if (s->fields[f].kind == BOOL)
                k8sc__dw_write(w, 0, "    %s:\t%s\n", s->fields[f].label, json_object_get_boolean(v) ? "true" : "false");
            else if (strcmp(s->fields[f].path, "endpointsNamespace") == 0 && !v)
                k8sc__dw_write(w, 0, "    %s:\t<unset>\n", s->fields[f].label);
            else
                k8sc__dw_write(w, 0, "    %s:\t%s\n", s->fields[f].label, k8sc__dj_or(src, s->fields[f].path));
        }
        if (strcmp(s->member, "hostPath") == 0)
            k8sc__dw_write(w, 0, "    HostPathType:\t%s\n", k8sc__dj_str(src, "type") ? k8sc__dj_str(src, "type") : "<none>");
        if (strcmp(s->member, "csi") == 0)
            write_csi_attributes(w, k8sc__dj_get(src, "volumeAttributes"));
        return;
    }
    k8sc__dw_write(w, 1, "<unknown>\n");
}

static void write_node_affinity(k8sc__dw *w, struct json_object *affinity)
{
    struct json_object *req = k8sc__dj_get(affinity, "required"), *terms = k8sc__dj_get(req, "nodeSelectorTerms");
    if (!req) {
        k8sc__dw_write(w, 0, "Node Affinity:\t<none>\n");
        return;
    }
    k8sc__dw_write(w, 0, "Node Affinity:\t\n");
    k8sc__dw_write(w, 1, "Required Terms:\t%s\n", k8sc__dj_len(terms) ? "" : "<none>");
    for (size_t t = 0; t < k8sc__dj_len(terms); t++) {
        struct json_object *exprs = k8sc__dj_get(k8sc__dj_at(terms, t), "matchExpressions");
        k8sc__dw_write(w, 2, "Term %zu:\t%s", t, k8sc__dj_len(exprs) ? "" : "<none>\n");
        for (size_t e = 0; e < k8sc__dj_len(exprs); e++) {
            struct json_object *x = k8sc__dj_at(exprs, e), *values = k8sc__dj_get(x, "values");
            char op[64];
            snprintf(op, sizeof(op), "%s", k8sc__dj_or(x, "operator"));
            for (char *p = op; *p; p++)
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
            if (e)
                k8sc__dw_write(w, 2, "\t");
            k8sc__dw_write(w, 0, "%s %s", k8sc__dj_or(x, "key"), op);
            for (size_t v = 0; v < k8sc__dj_len(values); v++)
                k8sc__dw_write(w, 0, "%s%s", v ? ", " : " [", json_object_get_string(k8sc__dj_at(values, v)));
            k8sc__dw_write(w, 0, "%s\n", k8sc__dj_len(values) ? "]" : "");
        }
    }
}

void k8sc__describe_pv(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *pv = in->obj, *spec = k8sc__dj_get(pv, "spec"), *claim = k8sc__dj_get(spec, "claimRef");
    const char *beta = k8sc__dj_key(k8sc__dj_get(pv, "metadata.annotations"), BETA_CLASS);
    char cap[K8SC_QUANTITY_BUFSIZE + 64], modes[64];
    k8sc__dw_name(w, pv, false);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(pv, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(pv, "metadata.annotations"));
    write_finalizers(w, pv);
    k8sc__dw_write(w, 0, "StorageClass:\t%s\n", beta ? beta : k8sc__dj_or(spec, "storageClassName"));
    write_status(w, pv);
    if (claim)
        k8sc__dw_write(w, 0, "Claim:\t%s/%s\n", k8sc__dj_or(claim, "namespace"), k8sc__dj_or(claim, "name"));
    else
        k8sc__dw_write(w, 0, "Claim:\t\n");
    k8sc__dw_write(w, 0, "Reclaim Policy:\t%s\n", k8sc__dj_or(spec, "persistentVolumeReclaimPolicy"));
    access_modes(modes, sizeof(modes), k8sc__dj_get(spec, "accessModes"));
    k8sc__dw_write(w, 0, "Access Modes:\t%s\n", modes);
    if (k8sc__dj_str(spec, "volumeMode"))
        k8sc__dw_write(w, 0, "VolumeMode:\t%s\n", k8sc__dj_str(spec, "volumeMode"));
    k8sc__describe_quantity(cap, sizeof(cap), k8sc__dj_str(spec, "capacity.storage"));
    k8sc__dw_write(w, 0, "Capacity:\t%s\n", cap);
    write_node_affinity(w, k8sc__dj_get(spec, "nodeAffinity"));
    k8sc__dw_write(w, 0, "Message:\t%s\n", k8sc__dj_or(pv, "status.message"));
    k8sc__dw_write(w, 0, "Source:\n");
    write_source(w, spec);
    k8sc__dw_events(w, in->events, in->nevents);
}

static void write_topologies(k8sc__dw *w, struct json_object *terms)
{
    k8sc__dw_write(w, 0, "AllowedTopologies:\t%s\n", k8sc__dj_len(terms) ? "" : "<none>");
    for (size_t t = 0; t < k8sc__dj_len(terms); t++) {
        struct json_object *reqs = k8sc__dj_get(k8sc__dj_at(terms, t), "matchLabelExpressions");
        k8sc__dw_write(w, 1, "Term %zu:\t%s", t, k8sc__dj_len(reqs) ? "" : "<none>\n");
        for (size_t e = 0; e < k8sc__dj_len(reqs); e++) {
            struct json_object *x = k8sc__dj_at(reqs, e), *values = k8sc__dj_get(x, "values");
            if (e)
                k8sc__dw_write(w, 1, "\t");
            k8sc__dw_write(w, 0, "%s in", k8sc__dj_or(x, "key"));
            for (size_t v = 0; v < k8sc__dj_len(values); v++)
                k8sc__dw_write(w, 0, "%s%s", v ? ", " : " [", json_object_get_string(k8sc__dj_at(values, v)));
            k8sc__dw_write(w, 0, "%s\n", k8sc__dj_len(values) ? "]" : "");
        }
    }
}

void k8sc__describe_storageclass(k8sc__dw *w, const k8sc__describe_input *in)
{
    struct json_object *sc = in->obj, *ann = k8sc__dj_get(sc, "metadata.annotations");
    const char *def = k8sc__dj_key(ann, "storageclass.kubernetes.io/is-default-class");
    const char *beta = k8sc__dj_key(ann, "storageclass.beta.kubernetes.io/is-default-class");
    struct json_object *expand = k8sc__dj_get(sc, "allowVolumeExpansion"), *opts = k8sc__dj_get(sc, "mountOptions");
    k8sc__dw_name(w, sc, false);
    k8sc__dw_write(w, 0, "IsDefaultClass:\t%s\n",
        (def && strcmp(def, "true") == 0) || (beta && strcmp(beta, "true") == 0) ? "Yes" : "No");
    k8sc__dw_map_line(w, "Annotations", ann);
    k8sc__dw_write(w, 0, "Provisioner:\t%s\n", k8sc__dj_or(sc, "provisioner"));
    k8sc__dw_map_line(w, "Parameters", k8sc__dj_get(sc, "parameters"));
    k8sc__dw_write(w, 0, "AllowVolumeExpansion:\t%s\n",
        !expand ? "<unset>" : json_object_get_boolean(expand) ? "True" : "False");
    k8sc__dw_write(w, 0, "MountOptions:%s\n", k8sc__dj_len(opts) ? "" : "\t<none>");
    for (size_t i = 0; i < k8sc__dj_len(opts); i++)
        k8sc__dw_write(w, 1, "%s\n", json_object_get_string(k8sc__dj_at(opts, i)));
    if (k8sc__dj_str(sc, "reclaimPolicy"))
        k8sc__dw_write(w, 0, "ReclaimPolicy:\t%s\n", k8sc__dj_str(sc, "reclaimPolicy"));
    if (k8sc__dj_str(sc, "volumeBindingMode"))
        k8sc__dw_write(w, 0, "VolumeBindingMode:\t%s\n", k8sc__dj_str(sc, "volumeBindingMode"));
    if (k8sc__dj_get(sc, "allowedTopologies"))
        write_topologies(w, k8sc__dj_get(sc, "allowedTopologies"));
    k8sc__dw_events(w, in->events, in->nevents);
}
