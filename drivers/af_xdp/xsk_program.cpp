#include "drivers/af_xdp/xsk_program.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <array>
#include <cerrno>

#include "drivers/af_packet/netdev.hpp"

namespace tachyon {

namespace {

constexpr char kCapabilities[] = "CAP_NET_ADMIN CAP_BPF";
constexpr int32_t kRxQueueIndexOffset = 16;  // offsetof(struct xdp_md, rx_queue_index)

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

// r2 = ctx->rx_queue_index; r1 = &xsks_map; r3 = XDP_PASS; return bpf_redirect_map(r1, r2, r3);
std::array<bpf_insn, 6> redirect_program(int map_fd) {
    return {
        insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, kRxQueueIndexOffset, 0),
        insn(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd),  // 64-bit load:
        insn(0, 0, 0, 0, 0),                                                        // two slots
        insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
        insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    };
}

Error attach_error(int err, const std::string& ifname, bool native) {
    if (err == EBUSY || err == EEXIST) {
        return Error{EBUSY, cat({"interface '", ifname, "' already has an XDP program attached (see `ip link show ",
                                 ifname, "`; remove it with `ip link set dev ", ifname, " xdp off`)"})};
    }
    if (err == EPERM || err == EACCES) return privilege_error(err, "attaching an XDP program", kCapabilities);
    return system_error(err, native ? "attaching the XDP program in native mode"
                                    : "attaching the XDP program in generic (skb) mode", ifname);
}

// libbpf >= 1.0 returns -errno and sets errno.
int libbpf_errno(int ret) { return ret < 0 ? -ret : errno; }

}  // namespace

Result<XskProgram> XskProgram::attach(const std::string& ifname, int ifindex, uint32_t queue, XdpAttachMode mode) {
    XskProgram p;
    p.ifname_ = ifname;
    const int map = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "tcy_xsks", sizeof(uint32_t), sizeof(uint32_t),
                                   queue + 1, nullptr);
    if (map < 0) return privilege_error(libbpf_errno(map), "bpf_map_create(XSKMAP)", kCapabilities);
    p.map_.reset(map);

    const auto insns = redirect_program(map);
    const int prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "tcy_xsk_redir", "Dual BSD/GPL", insns.data(),
                                   insns.size(), nullptr);
    if (prog < 0) return privilege_error(libbpf_errno(prog), "bpf_prog_load(XDP)", kCapabilities);
    p.prog_.reset(prog);

    auto try_attach = [&](uint32_t flags) {
        bpf_link_create_opts opts{};  // not LIBBPF_OPTS: a GNU statement expression
        opts.sz = sizeof(opts);
        opts.flags = flags;
        const int link = bpf_link_create(prog, ifindex, BPF_XDP, &opts);
        return link < 0 ? -libbpf_errno(link) : link;
    };
    int link = -EOPNOTSUPP;
    if (mode != XdpAttachMode::kGeneric) {
        link = try_attach(XDP_FLAGS_DRV_MODE);
        p.native_ = link >= 0;
        // A driver without native XDP answers EOPNOTSUPP (or EINVAL on some): try generic mode.
        if (link < 0 && (mode == XdpAttachMode::kNative || (link != -EOPNOTSUPP && link != -EINVAL))) {
            return attach_error(-link, ifname, true);
        }
    }
    if (link < 0) {
        link = try_attach(XDP_FLAGS_SKB_MODE);
        if (link < 0) return attach_error(-link, ifname, false);
    }
    p.link_.reset(link);
    return p;
}

Result<void> XskProgram::register_socket(uint32_t queue, int xsk_fd) {
    if (bpf_map_update_elem(map_.get(), &queue, &xsk_fd, BPF_ANY) != 0) {
        return system_error(errno, "adding the AF_XDP socket to the XSKMAP", ifname_);
    }
    return {};
}

}  // namespace tachyon
