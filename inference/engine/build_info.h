#pragma once

#include <string>

namespace fabulist::inference {

// Which compute backends this build of the engine contains, e.g. "cpu".
std::string compiledBackends();

} // namespace fabulist::inference
