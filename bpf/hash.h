/* SPDX-License-Identifier: GPL-2.0 */
/* The hashes of the data path (pick.h), shared with the bench's floors. */
#ifndef FLOWLET_HASH_H
#define FLOWLET_HASH_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static __always_inline __u32 rol32(__u32 v, int shift)
{
	return (v << shift) | (v >> (32 - shift));
}

/* MurmurHash3's block step and finaliser: a flow's hash with its flowlet
 * id (once per new flowlet). */
static __always_inline __u32 hash_step(__u32 h, __u32 word)
{
	word *= 0xcc9e2d51;
	word = rol32(word, 15);
	word *= 0x1b873593;
	h ^= word;
	h = rol32(h, 13);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/*
 * A flow key of @words 32-bit words (even; a constant, so the loop
 * unrolls): each 64-bit pair times its own odd constant, the products
 * xored, then MurmurHash3's 64-bit finaliser. The multiplies do not wait
 * for each other: about 20 cycles of latency for a 16-byte key, where a
 * chain of Murmur steps takes 40 (ecmp hashes every packet).
 */
static __always_inline __u32 hash_words(const __u32 *w, int words, __u32 seed)
{
	static const __u64 odd[] = { 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f,
				     0x165667b19e3779f9, 0xd6e8feb86659fd93,
				     0xa0761d6478bd642f };
	__u64 h = seed ^ ((__u64)words << 32);

#pragma unroll
	for (int i = 0; i + 1 < words; i += 2)
		h ^= ((__u64)w[i] << 32 | w[i + 1]) * odd[i / 2];
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccd;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53;
	h ^= h >> 33;
	return h;
}

#endif /* FLOWLET_HASH_H */
