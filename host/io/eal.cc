#include "io/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cstring>

namespace picket::dpdk {

namespace {

// Toeplitz with a key of one repeated 16-bit word hashes (a, b) and (b, a) alike: both
// directions of a flow reach the same queue, so one worker holds the flow's whole state.
constexpr uint8_t kSymmetricKeyWord[2] = {0x6d, 0x5a};
constexpr uint16_t kRxDescriptors = 1024, kTxDescriptors = 1024;
constexpr unsigned kPoolCache = 256;

std::string why(int code) { return rte_strerror(code < 0 ? -code : code); }

}  // namespace

bool start_eal(const std::vector<std::string>& args, std::string& error) {
  // rte_eal_init may keep pointers into argv and reorders it: give it storage that lives on.
  static std::vector<std::string> kept;
  static std::vector<char*> argv;
  kept.clear();
  kept.push_back("picketd");
  kept.insert(kept.end(), args.begin(), args.end());
  argv.clear();
  for (std::string& s : kept) argv.push_back(s.data());
  argv.push_back(nullptr);
  int n = rte_eal_init(static_cast<int>(kept.size()), argv.data());
  if (n < 0) {
    error = "the DPDK EAL did not start: " + why(rte_errno);
    return false;
  }
  if (static_cast<size_t>(n) + 1 < kept.size()) {
    error = "the DPDK EAL did not take '" + kept[static_cast<size_t>(n) + 1] + "'";
    rte_eal_cleanup();
    return false;
  }
  return true;
}

void stop_eal() { rte_eal_cleanup(); }

std::vector<unsigned> worker_lcores() {
  std::vector<unsigned> out;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) { out.push_back(lcore); }
  return out;
}

rte_mempool* make_pool(unsigned mbufs, std::string& error) {
  rte_mempool* pool = rte_pktmbuf_pool_create("picket_mbufs", mbufs, kPoolCache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                              static_cast<int>(rte_socket_id()));
  if (!pool) error = "no packet buffer pool of " + std::to_string(mbufs) + " buffers: " + why(rte_errno);
  return pool;
}

bool start_port(uint16_t port, uint16_t queues, rte_mempool* pool, PortInfo& info, std::string& error) {
  const std::string where = "port " + std::to_string(port);
  if (!rte_eth_dev_is_valid_port(port)) {
    error = where + ": no such port (" + std::to_string(rte_eth_dev_count_avail()) + " available)";
    return false;
  }
  rte_eth_dev_info dev{};
  if (int rc = rte_eth_dev_info_get(port, &dev); rc != 0) {
    error = where + ": " + why(rc);
    return false;
  }
  info.id = port;
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  rte_eth_dev_get_name_by_port(port, name);
  info.name = name;
  info.driver = dev.driver_name ? dev.driver_name : "";
  if (queues > dev.max_rx_queues || queues > dev.max_tx_queues) {
    error = where + " (" + info.name + "): " + std::to_string(queues) + " queues asked, the device has " +
            std::to_string(std::min(dev.max_rx_queues, dev.max_tx_queues));
    return false;
  }

  rte_eth_conf conf{};
  static uint8_t key[52];
  uint64_t hash = dev.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
  info.rss = queues > 1 && hash != 0;
  if (info.rss) {
    uint8_t key_size = dev.hash_key_size ? dev.hash_key_size : 40;
    for (uint8_t i = 0; i < key_size && i < sizeof key; ++i) key[i] = kSymmetricKeyWord[i % 2];
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = key;
    conf.rx_adv_conf.rss_conf.rss_key_len = key_size;
    conf.rx_adv_conf.rss_conf.rss_hf = hash;
  }
  if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
  if (int rc = rte_eth_dev_configure(port, queues, queues, &conf); rc != 0) {
    error = where + " (" + info.name + "): configure: " + why(rc);
    return false;
  }
  uint16_t rxd = kRxDescriptors, txd = kTxDescriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
  int socket = rte_eth_dev_socket_id(port);
  unsigned sock = socket < 0 ? SOCKET_ID_ANY : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(port, q, rxd, sock, nullptr, pool); rc != 0) {
      error = where + ": RX queue " + std::to_string(q) + ": " + why(rc);
      return false;
    }
    rte_eth_txconf txconf = dev.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    if (int rc = rte_eth_tx_queue_setup(port, q, txd, sock, &txconf); rc != 0) {
      error = where + ": TX queue " + std::to_string(q) + ": " + why(rc);
      return false;
    }
  }
  if (int rc = rte_eth_dev_start(port); rc != 0) {
    error = where + " (" + info.name + "): start: " + why(rc);
    return false;
  }
  rte_eth_promiscuous_enable(port);  // inline: every frame on the wire is ours to judge
  return true;
}

void stop_port(uint16_t port) {
  rte_eth_dev_stop(port);
  rte_eth_dev_close(port);
}

}  // namespace picket::dpdk
