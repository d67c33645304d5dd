/*
 * Patch engine fuzzer. The input is two JSON documents, split at the first
 * NUL byte (or else the first newline): an original and a patch. Both go
 * through every patch function; none may crash, leak, or fail without an
 * error message. JSON merge patches must round-trip: applying
 * create(original, modified) to original gives modified, whenever a merge
 * patch can say it (modified holds no null members).
 */
#include <json-c/json.h>
#include <k8sc/codec.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* A result must be 0, or a documented error with a message and no output. */
static void check(int rc, struct json_object *out)
{
    if (rc == 0)
        return;
    if (out || !k8sc_error_last()[0])
        abort();
    if (rc != K8SC_EINVAL && rc != K8SC_ERANGE && rc != K8SC_ENOMEM && rc != K8SC_ENOTFOUND)
        abort();
}

static bool has_null_member(const struct json_object *v)
{
    if (json_object_is_type(v, json_type_object)) {
        json_object_object_foreach((struct json_object *)v, key, child) {
            (void)key;
            if (!child || has_null_member(child))
                return true;
        }
    } else if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (has_null_member(json_object_array_get_idx(v, i)))
                return true;
    }
    return false;
}

/* Deep equality with numbers compared by value, as the patch engine compares them. */
static bool same(const struct json_object *a, const struct json_object *b)
{
    json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
    bool na = ta == json_type_int || ta == json_type_double, nb = tb == json_type_int || tb == json_type_double;
    if (na && nb) {
        if (ta == json_type_int && tb == json_type_int)
            return json_object_get_int64(a) == json_object_get_int64(b) && json_object_get_uint64(a) == json_object_get_uint64(b);
        return json_object_get_double(a) == json_object_get_double(b);
    }
    if (ta != tb)
        return false;
    if (ta == json_type_array) {
        size_t n = json_object_array_length(a);
        if (n != json_object_array_length(b))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!same(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
                return false;
        return true;
    }
    if (ta == json_type_object) {
        if (json_object_object_length(a) != json_object_object_length(b))
            return false;
        json_object_object_foreach((struct json_object *)a, key, va) {
            struct json_object *vb;
            if (!json_object_object_get_ex(b, key, &vb) || !same(va, vb))
                return false;
        }
        return true;
    }
    return json_object_equal((struct json_object *)a, (struct json_object *)b) != 0;
}

static void strategic(const struct json_object *a, const struct json_object *b, const char *api_version, const char *kind)
{
    struct json_object *out = NULL, *again = NULL;
    k8sc_patch_type type;
    check(k8sc_patch_strategic_apply(&out, a, b, api_version, kind), out);
    json_object_put(out);

    out = NULL;
    int rc = k8sc_patch_strategic_create_two_way(&out, &type, a, b, api_version, kind);
    check(rc, out);
    if (rc == 0) {
        check(k8sc_patch_apply(&again, type, a, out, api_version, kind), again);
        json_object_put(again);
    }
    json_object_put(out);

    out = NULL;
    rc = k8sc_patch_strategic_create_three_way(&out, &type, a, b, a, api_version, kind);
    check(rc, out);
    if (rc == 0) {
        again = NULL;
        check(k8sc_patch_apply(&again, type, a, out, api_version, kind), again);
        json_object_put(again);
    }
    json_object_put(out);

    out = NULL;
    check(k8sc_patch_strategic_create_three_way(&out, &type, NULL, a, b, api_version, kind), out);
    json_object_put(out);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    const char *text = (const char *)data;
    const char *split = memchr(text, '\0', size);
    if (!split)
        split = memchr(text, '\n', size);
    if (!split)
        return 0;
    struct json_object *a = NULL, *b = NULL, *out = NULL, *back = NULL;
    if (k8sc_json_parse(&a, text, (size_t)(split - text)) != 0)
        return 0;
    size_t rest = size - (size_t)(split - text) - 1;
    if (k8sc_json_parse(&b, split + 1, rest) != 0) {
        json_object_put(a);
        return 0;
    }

    check(k8sc_patch_merge_apply(&out, a, b), out);
    json_object_put(out);

    out = NULL;
    int rc = k8sc_patch_merge_create(&out, a, b);
    check(rc, out);
    if (rc == 0) {
        rc = k8sc_patch_merge_apply(&back, a, out);
        check(rc, back);
        if (rc == 0 && !has_null_member(b) && !same(back, b))
            abort();
        json_object_put(back);
    }
    json_object_put(out);

    out = NULL;
    check(k8sc_patch_json_apply(&out, a, b), out);
    json_object_put(out);

    strategic(a, b, "apps/v1", "Deployment");
    strategic(a, b, "v1", "Pod");
    strategic(a, b, "example.com/v1", "Widget");

    json_object_put(a);
    json_object_put(b);
    return 0;
}
