/* kubectl describe for kinds without a layout of their own: every field, with "smart" labels. */
#include "describe_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const skipped[] = { ".metadata.managedFields", ".metadata.name", ".metadata.namespace",
    ".metadata.labels", ".metadata.annotations" };

static int rune_class(char c)
{
    return c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : c >= '0' && c <= '9' ? 3 : 4;
}

/* smartLabelFor: "apiVersion" -> "API Version", "creationTimestamp" -> "Creation Timestamp". */
static void smart_label(k8sc__buf *b, const char *field)
{
    for (const char *p = field; *p; p++)
        if (rune_class(*p) > 2 && *p != '-') {
            k8sc__buf_puts(b, field);
            return;
        }
    /* fatih/camelcase: runs of one class; an upper run followed by lowers gives them its last letter. */
    size_t n = strlen(field), start = 0, nparts = 0;
    size_t *cut = k8sc__calloc(n + 2, sizeof(size_t));
    if (!cut) {
        k8sc__buf_puts(b, field);
        return;
    }
    cut[nparts++] = 0;
    for (size_t i = 1; i < n; i++) {
        if (rune_class(field[i]) == rune_class(field[i - 1]))
            continue;
        if (rune_class(field[i - 1]) == 2 && rune_class(field[i]) == 1 && i - 1 > cut[nparts - 1])
            cut[nparts++] = i - 1;
        else if (!(rune_class(field[i - 1]) == 2 && rune_class(field[i]) == 1))
            cut[nparts++] = i;
    }
    cut[nparts] = n;
    bool first = true;
    for (size_t k = 0; k < nparts; k++) {
        start = cut[k];
        size_t len = cut[k + 1] - start;
        if (len == 0)
            continue;
        char part[128];
        snprintf(part, sizeof(part), "%.*s", (int)len, field + start);
        char upper[128];
        bool lower = true;
        for (size_t i = 0; part[i]; i++) {
            upper[i] = (char)(part[i] >= 'a' && part[i] <= 'z' ? part[i] - 32 : part[i]);
            upper[i + 1] = '\0';
            lower &= !(part[i] >= 'A' && part[i] <= 'Z');
        }
        if (strcmp(upper, "API") == 0 || strcmp(upper, "URL") == 0 || strcmp(upper, "UID") == 0 ||
            strcmp(upper, "GUID") == 0)
            snprintf(part, sizeof(part), "%s", upper);
        else if (lower && part[0] >= 'a' && part[0] <= 'z')
            part[0] = (char)(part[0] - 32);
        k8sc__buf_printf(b, "%s%s", first ? "" : " ", part);
        first = false;
    }
    free(cut);
}

static void label_line(k8sc__dw *w, int level, const char *field, const char *suffix)
{
    k8sc__buf b = K8SC__BUF_INIT;
    smart_label(&b, field);
    k8sc__dw_write(w, level, "%s:%s", b.ptr ? b.ptr : field, suffix);
    k8sc__buf_free(&b);
}

/* A scalar as Go's %v prints it. */
static const char *scalar(struct json_object *v)
{
    if (!v)
        return "<nil>";
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v)
                                                     : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void content(k8sc__dw *w, int level, struct json_object *obj, const char *prefix)
{
    size_t n = 0;
    const char **keys = k8sc__dj_sorted_keys(obj, NULL, &n);
    for (size_t i = 0; keys && i < n; i++) {
        struct json_object *v = json_object_object_get(obj, keys[i]);
        k8sc__buf path = K8SC__BUF_INIT;
        k8sc__buf_printf(&path, "%s.%s", prefix, keys[i]);
        bool skip = false;
        for (size_t s = 0; path.ptr && s < K8SC__ARRAY_LEN(skipped); s++)
            skip |= strcmp(path.ptr, skipped[s]) == 0;
        if (skip || !path.ptr) {
            k8sc__buf_free(&path);
            continue;
        }
        if (json_object_is_type(v, json_type_object)) {
            label_line(w, level, keys[i], "\n");
            content(w, level + 1, v, path.ptr);
        } else if (json_object_is_type(v, json_type_array)) {
            label_line(w, level, keys[i], "\n");
            for (size_t k = 0; k < json_object_array_length(v); k++) {
                struct json_object *child = json_object_array_get_idx(v, k);
                if (json_object_is_type(child, json_type_object))
                    content(w, level + 1, child, path.ptr);
                else
                    k8sc__dw_write(w, level + 1, "%s\n", scalar(child));
            }
        } else {
            label_line(w, level, keys[i], "\t");
            k8sc__dw_write(w, 0, "%s\n", scalar(v));
        }
        k8sc__buf_free(&path);
    }
    free(keys);
}

void k8sc__describe_generic(k8sc__dw *w, const k8sc__describe_input *in)
{
    k8sc__dw_name(w, in->obj, true);
    k8sc__dw_labels(w, "", "Labels", k8sc__dj_get(in->obj, "metadata.labels"));
    k8sc__dw_annotations(w, "Annotations", k8sc__dj_get(in->obj, "metadata.annotations"));
    content(w, 0, in->obj, "");
    k8sc__dw_events(w, in->events, in->nevents);
}
