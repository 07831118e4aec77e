// SPDX-License-Identifier: GPL-2.0
/* The object's BTF against the structs of flowlet.h. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "unit.h"

/* The structs flowletctl uses are the ones in the object's BTF: same size,
 * same member offsets (the two compilers could disagree on padding). */
UNIT_TEST(btf_layout)
{
#define MEMBER(s, m)                                            \
	{                                                       \
#s, #m, sizeof(struct s), offsetof(struct s, m) \
	}
	static const struct {
		const char *type, *member;
		size_t size, offset;
	} layout[] = {
		MEMBER(flowlet_flow_key, dport),
		MEMBER(flowlet_flow_key4, proto),
		MEMBER(flowlet_decision, new_flowlet),
		MEMBER(flowlet_flow_key, family),
		MEMBER(flowlet_flow, flowlet),
		MEMBER(flowlet_flow, path),
		MEMBER(flowlet_path, down),
		MEMBER(flowlet_path_meta, xmit_offset),
		MEMBER(flowlet_meta, route_table),
		MEMBER(flowlet_meta, paths),
		MEMBER(flowlet_config, groups),
		MEMBER(flowlet_group, slots),
		MEMBER(flowlet_flow, group),
		MEMBER(flowlet_prefix_value, group),
		MEMBER(flowlet_config, paths),
		MEMBER(flowlet_prefix_key, addr),
		MEMBER(flowlet_path_stats, flowlets),
		MEMBER(flowlet_stats, dropped),
		MEMBER(flowlet_stats, flows_established),
		MEMBER(flowlet_config, generation),
		MEMBER(flowlet_load, stamp_ns),
	};
#undef MEMBER
	struct btf *btf = bpf_object__btf(skel->obj);
	int bad = 0;

	for (size_t i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		int id = btf ? btf__find_by_name_kind(btf, layout[i].type,
						      BTF_KIND_STRUCT)
			     : -1;
		const struct btf_type *t =
			id > 0 ? btf__type_by_id(btf, id) : NULL;
		const struct btf_member *m = t ? btf_members(t) : NULL;
		bool found = false;

		for (int k = 0; t && k < btf_vlen(t); k++) {
			if (!strcmp(btf__name_by_offset(btf, m[k].name_off),
				    layout[i].member))
				found = btf_member_bit_offset(t, k) ==
					layout[i].offset * 8;
		}
		if (!t || t->size != layout[i].size || !found) {
			printf("# %s.%s differs between BTF and flowlet.h\n",
			       layout[i].type, layout[i].member);
			bad++;
		}
	}
	CHECK(!bad,
	      "BTF of the object matches flowlet.h (%zu members "
	      "checked)",
	      sizeof(layout) / sizeof(layout[0]));
}
