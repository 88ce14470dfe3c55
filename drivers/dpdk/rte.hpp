// The DPDK headers Tachyon uses, behind one include. DPDK's C headers use C99/GNU extensions
// (flexible and zero-length arrays, anonymous structs, compound volatile operations) that a C++20
// build at warning_level=3 reports; meson already passes DPDK's include directories as system
// includes (drivers/dpdk/meson.build), and these pragmas keep the build clean with -Werror even when a
// consumer adds them with plain -I. Internal to drivers/dpdk and its tests: not installed, so that
// users of dpdk_device.hpp never see a DPDK header.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wc99-extensions"
#pragma clang diagnostic ignored "-Wdeprecated-volatile"
#pragma clang diagnostic ignored "-Wgnu-anonymous-struct"
#pragma clang diagnostic ignored "-Wnested-anon-types"
#pragma clang diagnostic ignored "-Wzero-length-array"
#else
#pragma GCC diagnostic ignored "-Wvolatile"
#endif

#include <rte_alarm.h>
#include <rte_bus.h>
#include <rte_config.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#pragma GCC diagnostic pop
