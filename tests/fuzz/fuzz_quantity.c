/*
 * Quantity fuzzer: whatever parses must format, its canonical form must
 * parse back to an equal value, formatting must settle after one round,
 * and a few arithmetic identities must hold along the way.
 */
#include <k8sc/object.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    k8sc_quantity q, again, diff, sum;
    if (k8sc_quantity_parse(&q, text) == 0) {
        char canon[K8SC_QUANTITY_BUFSIZE], canon2[K8SC_QUANTITY_BUFSIZE];
        if (k8sc_quantity_format_to(canon, sizeof(canon), &q) != 0)
            abort();
        if (k8sc_quantity_parse(&again, canon) != 0 || k8sc_quantity_cmp(&q, &again) != 0)
            abort();
        /*
         * A BinarySI value that is no whole multiple of 1024 prints as a plain
         * number and reads back as DecimalSI (62.5Ki -> "64000" -> "64k"), as in
         * Kubernetes; from the second round on the text must be stable.
         */
        k8sc_quantity third;
        if (k8sc_quantity_format_to(canon2, sizeof(canon2), &again) != 0 ||
            k8sc_quantity_parse(&third, canon2) != 0 ||
            k8sc_quantity_format_to(canon, sizeof(canon), &third) != 0 || strcmp(canon, canon2) != 0)
            abort();
        if (k8sc_quantity_sub(&diff, &q, &again) != 0 || k8sc_quantity_sign(&diff) != 0)
            abort();
        k8sc_quantity zero = k8sc_quantity_from_int(0, K8SC_QUANTITY_DECIMAL_SI);
        if (k8sc_quantity_add(&sum, &zero, &q) != 0 || k8sc_quantity_cmp(&sum, &q) != 0)
            abort();
        int64_t v, m;
        int rv = k8sc_quantity_int(&q, &v), rm = k8sc_quantity_milli(&q, &m);
        /* the milli value is in range whenever the value is small enough */
        if (rv == 0 && v > -9223372036854775 && v < 9223372036854775 && rm != 0)
            abort();
        if (rm == 0 && k8sc_quantity_sign(&q) != (m > 0) - (m < 0))
            abort();
    }
    free(text);
    return 0;
}
