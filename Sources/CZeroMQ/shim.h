#ifndef CZEROMQ_SHIM_H
#define CZEROMQ_SHIM_H
#include <zmq.h>
// Glibc's Swift overlay does not export eventfd; the socket thread's doorbell needs it.
#include <sys/eventfd.h>
#endif
