/* libk8sc: the umbrella header. Include this, or only the modules you use. */
#ifndef K8SC_K8SC_H
#define K8SC_K8SC_H

#include "common.h"
#include "core.h"
#include "object.h"
#include "codec.h"
#include "store.h"
#include "apiserver.h"
#include "client.h"
#include "controller.h"
#include "controllers.h"
#include "scheduler.h"
#include "runtime.h"
#include "kubelet.h"
#include "net.h"
#include "cluster.h"
#include "cli.h"

#endif
