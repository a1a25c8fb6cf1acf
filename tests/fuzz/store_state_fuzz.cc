// A fleet's store as a node reads it (store/layout.h): whatever keys and values a store holds,
// fleet_sources never crashes, and a state the controller refuses changes nothing, while one it
// takes makes exactly one generation, carrying the state's revision.
//
// Input: the key/value pairs of a cluster's root, each key and each value ended by a NUL byte.
// The first pair list is loaded; the same pairs are then deleted and put again as one watch
// batch, which must give the same state.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "control_fixture.h"
#include "store/layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace picket::store;
  const std::string root = "/picket/fuzz/";
  std::vector<KeyValue> kvs;
  std::string text(reinterpret_cast<const char*>(data), size), field[2];
  int which = 0;
  int64_t revision = 1;
  for (char c : text) {
    if (c != '\0') {
      field[which] += c;
      continue;
    }
    if (which == 1) {
      KeyValue kv;
      kv.key = root + field[0];
      kv.value = field[1];
      kv.mod_revision = ++revision;
      kvs.push_back(kv);
      field[0].clear();
      field[1].clear();
    }
    which ^= 1;
  }
  StoreState loaded;
  loaded.load(root, kvs, revision);
  StoreState watched;
  WatchBatch batch;
  batch.revision = revision;
  for (const KeyValue& kv : kvs) batch.events.push_back({false, kv});
  watched.apply(root, batch);
  if (watched.keys != loaded.keys || watched.revision != loaded.revision) __builtin_trap();

  FleetSources sources = fleet_sources(loaded, root);
  if (!sources.errors.empty()) return 0;
  picket::Controller controller(picket::rules::Variables::defaults(), false, {}, fuzz_support::first_generation());
  const auto before = controller.current();
  picket::ChangeResult r = controller.apply_store(sources.sources, sources.identities, loaded.revision);
  const auto after = controller.current();
  if (!r.ok && after != before) __builtin_trap();
  if (r.ok && (after->number != before->number + 1 || after->store_revision != loaded.revision)) __builtin_trap();
  return 0;
}
