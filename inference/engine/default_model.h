#pragma once
// Fabulist's shipped default model (resources/models/fabulist-default.gguf): where it is and a
// check that it is intact (its SHA-256 is stored next to it in `<file>.sha256`).

#include <string>

namespace fabulist::inference {

// The FABULIST_DEFAULT_MODEL environment variable when set and not empty; otherwise the
// installed model beside the running executable (installedDefaultModelPath) when that file
// exists; otherwise the path compiled in (the source tree's resources/models/...).
std::string defaultModelPath();

// Where a package puts the default model for an executable in <prefix>/bin/:
// <prefix>/share/fabulist/models/fabulist-default.gguf.
std::string installedDefaultModelPath(const std::string& executablePath);

// Hashes `path` and compares it with the first hex token of `<path>.sha256`. Throws EngineError
// naming the file, the expected and the actual hash and what to do when they differ, or when
// the file or its .sha256 cannot be read.
void verifyDefaultModel(const std::string& path);

} // namespace fabulist::inference
