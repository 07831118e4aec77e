/* SPDX-License-Identifier: GPL-2.0 */
/* The rate bench's flows: flow i is UDP 10.0.1.1:GEN_SPORT(i) ->
 * 10.0.6.2:GEN_DPORT(i) (the generator, bench/gen.bpf.c, and bench_rate
 * establish, which sends each flow's first datagrams, agree on it). */
#ifndef FLOWLET_BENCH_FLOWS_H
#define FLOWLET_BENCH_FLOWS_H

#define GEN_SPORT(flow) (1024 + ((flow)&0xff))
#define GEN_DPORT(flow) (1024 + ((flow) >> 8))

#endif /* FLOWLET_BENCH_FLOWS_H */
