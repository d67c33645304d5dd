/* A program outside the project that uses the installed libk8sc. */
#include <k8sc/k8sc.h>
#include <stdio.h>

int main(void)
{
    k8sc_quantity q;
    char buf[K8SC_QUANTITY_BUFSIZE];
    if (k8sc_quantity_parse(&q, "0.5Gi") != 0 || k8sc_quantity_format_to(buf, sizeof(buf), &q) != 0)
        return 1;
    printf("libk8sc %s %s\n", k8sc_version(), buf);
    return 0;
}
