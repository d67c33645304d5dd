/*
 * JSON decoder fuzzer: whatever parses must encode, the encoding must parse,
 * and encoding is then a fixed point (a double that prints as a whole
 * number reads back as an integer, so trees may differ in number type, as
 * they do in Kubernetes, but never in text); the manifest decoder must
 * never crash or leak.
 */
#include <json-c/json.h>
#include <k8sc/codec.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char *round_trip(const char *text, size_t len, size_t *out_len)
{
    struct json_object *v = NULL;
    if (k8sc_json_parse(&v, text, len) != 0)
        return NULL;
    char *out = NULL;
    int rc = k8sc_json_encode(&out, out_len, v, K8SC_ENCODE_PRETTY | K8SC_ENCODE_SORT_KEYS);
    json_object_put(v);
    return rc == 0 ? out : NULL;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t len1 = 0, len2 = 0;
    char *first = round_trip((const char *)data, size, &len1);
    if (first) {
        char *second = round_trip(first, len1, &len2);
        if (!second || len1 != len2 || memcmp(first, second, len1) != 0)
            abort();
        k8sc_free(second);
        k8sc_free(first);
    }
    k8sc_object **objs = NULL;
    size_t n = 0;
    if (k8sc_manifest_decode(&objs, &n, (const char *)data, size) == 0)
        k8sc_objects_free(objs, n);
    return 0;
}
