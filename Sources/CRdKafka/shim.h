#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/*
 * kafka-lag-exporter needs librdkafka >= 2.3.0: older releases cannot parse the
 * tagged fields modern brokers send and lack the batched rd_kafka_ListOffsets
 * admin API. Debian 12 ships 2.0.2; `make setup` installs a good one.
 */
#if RD_KAFKA_VERSION < 0x020300ff
#error "librdkafka >= 2.3.0 is required (found an older one): run `make setup` (scripts/setup.sh) to install it"
#endif

#endif
