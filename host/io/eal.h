// DPDK's Environment Abstraction Layer, started once per process (rte_eal_init cannot run
// twice, even after rte_eal_cleanup), and the ports picketd forwards between.
//
// Without hugepages or NICs (tests, laptops):
//   -l 0-2 --no-huge --no-pci --no-shconf -m 512
//   --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rte_mempool;

namespace picket::dpdk {

// Starts the EAL with `args` (as on a DPDK program's command line, without the program's
// name). False, with `error`, when the EAL refuses them.
bool start_eal(const std::vector<std::string>& args, std::string& error);
void stop_eal();

// The worker lcores the EAL was given (every lcore but the main one).
std::vector<unsigned> worker_lcores();

struct PortInfo {
  uint16_t id = 0;
  std::string name;        // the device name, e.g. net_pcap0 or 0000:3b:00.0
  std::string driver;
  bool rss = false;        // spreads flows over its queues by a symmetric hash
};

// Configures `port` with `queues` RX and TX queues, a symmetric RSS hash (the same queue for
// both directions of a flow) when the device can hash, promiscuous mode, and starts it.
bool start_port(uint16_t port, uint16_t queues, rte_mempool* pool, PortInfo& info, std::string& error);
void stop_port(uint16_t port);

// One packet buffer pool for every port and queue, on the caller's socket.
rte_mempool* make_pool(unsigned mbufs, std::string& error);

}  // namespace picket::dpdk
