/*
 * JSON decoder fuzzer: whatever parses must encode, and the encoding must
 * parse back to an equal tree; the manifest decoder must never crash.
 */
#include <json-c/json.h>
#include <k8sc/codec.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct json_object *v = NULL;
    if (k8sc_json_parse(&v, (const char *)data, size) == 0) {
        char *text = NULL;
        size_t len = 0;
        if (k8sc_json_encode(&text, &len, v, K8SC_ENCODE_PRETTY | K8SC_ENCODE_SORT_KEYS) == 0) {
            struct json_object *again = NULL;
            if (k8sc_json_parse(&again, text, len) != 0 || !json_object_equal(v, again))
                abort();
            json_object_put(again);
            k8sc_free(text);
        }
        json_object_put(v);
    }
    k8sc_object **objs = NULL;
    size_t n = 0;
    if (k8sc_manifest_decode(&objs, &n, (const char *)data, size) == 0)
        k8sc_objects_free(objs, n);
    return 0;
}
