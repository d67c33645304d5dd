/*
 * Protobuf body fuzzer: arbitrary bytes never crash, leak or recurse without
 * bound; whatever decodes is a JSON object naming a kind the schema knows,
 * and it encodes.
 */
#include <json-c/json.h>
#include <k8sc/codec.h>
#include <k8sc/core.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct json_object *obj = NULL;
    if (k8sc_protobuf_decode(&obj, data, size) != 0) {
        if (obj)
            abort();
        return 0;
    }
    struct json_object *av = NULL, *kind = NULL;
    if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, "apiVersion", &av) ||
        !json_object_object_get_ex(obj, "kind", &kind) ||
        !k8sc_protobuf_known(json_object_get_string(av), json_object_get_string(kind)))
        abort();
    char *text = NULL;
    if (k8sc_json_encode(&text, NULL, obj, 0) != 0)
        abort();
    k8sc_free(text);
    json_object_put(obj);
    return 0;
}
