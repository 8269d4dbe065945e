#include "inference/engine/build_info.h"

namespace fabulist::inference {

std::string compiledBackends() { return "cpu"; }

} // namespace fabulist::inference
