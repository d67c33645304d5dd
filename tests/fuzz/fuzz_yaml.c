/*
 * YAML fuzzer: every document the reader accepts must encode, and the
 * encoding must read back as an equal tree. Bad input must fail cleanly.
 */
#include "codec/yaml_internal.h"

#include <json-c/json.h>
#include <k8sc/codec.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/*
 * Alias expansion can legitimately build millions of nodes from a few
 * bytes; a smaller budget keeps each input well inside libFuzzer's
 * timeout while still exercising the refusal path.
 */
#define FUZZ_MAX_NODES 100000

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    k8sc_yaml_reader *r = NULL;
    if (k8sc__yaml_reader_new_limited(&r, (const char *)data, size, FUZZ_MAX_NODES) != 0)
        abort();
    struct json_object *doc = NULL;
    int rc;
    while ((rc = k8sc_yaml_reader_next(r, &doc)) == 1) {
        char *text = NULL;
        size_t len = 0;
        if (k8sc_yaml_encode(&text, &len, doc, K8SC_ENCODE_SORT_KEYS) != 0)
            abort();
        struct json_object *again = NULL;
        if (k8sc_yaml_parse(&again, text, len) != 0 || !json_object_equal(doc, again))
            abort();
        json_object_put(again);
        k8sc_free(text);
        json_object_put(doc);
    }
    if (rc != 0 && rc != K8SC_EINVAL && rc != K8SC_ERANGE)
        abort();
    k8sc_yaml_reader_free(r);
    return 0;
}
