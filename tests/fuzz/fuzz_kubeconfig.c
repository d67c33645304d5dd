/*
 * kubeconfig fuzzer: any text parses or fails with a message, never
 * crashes or leaks; a parsed config re-encoded parses again to the same
 * merged tree; resolving its context succeeds or fails cleanly.
 */
#include <json-c/json.h>
#include <k8sc/client.h>
#include <k8sc/codec.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    k8sc_kubeconfig *kc = NULL;
    if (k8sc_kubeconfig_parse(&kc, (const char *)data, size, NULL) != 0) {
        if (!*k8sc_error_last())
            abort();
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    if (k8sc_json_encode(&text, &len, k8sc_kubeconfig_json(kc), 0) != 0)
        abort();
    k8sc_kubeconfig *again = NULL;
    if (k8sc_kubeconfig_parse(&again, text, len, NULL) != 0 ||
        !json_object_equal(k8sc_kubeconfig_json(kc), k8sc_kubeconfig_json(again)))
        abort();
    k8sc_client_config *cfg = NULL;
    k8sc_kubeconfig_overrides ov = K8SC_KUBECONFIG_OVERRIDES_INIT;
    /* Never read local files named by the input: only data fields are resolved here. */
    if (!strstr(text, "certificate-authority\"") && !strstr(text, "client-certificate\"") &&
        !strstr(text, "client-key\"") && k8sc_client_config_from_kubeconfig(&cfg, kc, &ov) == 0) {
        if (!k8sc_client_config_server(cfg) || !k8sc_client_config_namespace(cfg))
            abort();
    }
    k8sc_client_config_free(cfg);
    k8sc_kubeconfig_free(again);
    k8sc_kubeconfig_free(kc);
    k8sc_free(text);
    return 0;
}
