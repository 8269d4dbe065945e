#pragma once
// `fabulist-cli bench --edit-at-end -f TEXT -p TOKENS`: the writer's loop — a one-word edit at
// the end of a long scene, then the next suggestion. Times the first token of a Continue whose
// prompt (three story-bible entries named near the end, then the scene) is built anew after the
// edit on the same session, against the first token of the whole prompt evaluated from
// nothing: what the cache-friendly order saves.
#include "inference/engine/engine.h"

#include <string>

namespace fabulist::cli {

struct EditBenchSpec {
    std::string textPath; // the scene's text is the start of this file
    int sceneTokens = 3000;
    int reps = 5;
    bool json = false;
};

int runEditBench(inference::Engine& engine, const std::string& modelPath, const EditBenchSpec& spec);

} // namespace fabulist::cli
