/* SPDX-License-Identifier: GPL-2.0 */
/* MurmurHash3's block step and finaliser: cheap and well mixed. Shared by
 * the data path (pick.h) and the bench's floors. */
#ifndef FLOWLET_HASH_H
#define FLOWLET_HASH_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static __always_inline __u32 rol32(__u32 v, int shift)
{
	return (v << shift) | (v >> (32 - shift));
}

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

#endif /* FLOWLET_HASH_H */
