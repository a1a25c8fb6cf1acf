#include "daemon/engine_setup.h"

namespace picket {

EngineSetup set_up_engine(const EngineFiles& files, const EngineConfig& config, bool device) {
  EngineSetup out;
  std::optional<Sources> sources = read_sources(files, out.diagnostics);
  if (!sources) return out;
  return set_up_engine_from(*sources, nullptr, 0, files, config, device);
}

EngineSetup set_up_engine_from(const Sources& sources, const IdentityRegistry* ids, int64_t store_revision,
                               const EngineFiles& files, const EngineConfig& config, bool device) {
  EngineSetup out;
  if (!files.classification_file.empty()) out.classifications.load(files.classification_file, out.diagnostics);
  if (!out.diagnostics.empty()) return out;

  BuildOptions options;
  options.identities = ids;
  options.strict = files.strict;
  options.device = device;
  BuildProgress progress;
  options.progress = &progress;
  Build build = [&] {
    BuildProgressLine line(progress, "picketd", files.progress);
    return build_generation(sources, config, options);
  }();
  out.rules = build.rules;
  out.diagnostics = std::move(build.diagnostics);
  out.variables = std::move(build.variables);
  out.compile_seconds = build.compile_seconds;
  if (build.generation && store_revision) {
    auto marked = std::make_shared<Generation>(*build.generation);
    marked->store_revision = store_revision;
    build.generation = std::move(marked);
  }
  if (build.generation) out.engine = std::make_unique<SoftwareEngine>(config, std::move(build.generation));
  return out;
}

}  // namespace picket
