/* The server's entry points for the in-process client transport (see inproc.h). */
#include "inproc.h"

const k8sc__inproc_ops k8sc__apiserver_inproc_ops = {
    .handle = k8sc_apiserver_handle,
    .status = k8sc_apiserver_response_status,
    .body = k8sc_apiserver_response_body,
    .is_stream = k8sc_apiserver_response_is_stream,
    .next = k8sc_apiserver_response_next,
    .fd = k8sc_apiserver_response_fd,
    .free = k8sc_apiserver_response_free,
};
