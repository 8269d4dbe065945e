#pragma once
// Engine internals shared by engine.cpp and session.cpp (not part of the public API).

#include "inference/backend/backend.h"
#include "inference/engine/engine.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model.h"
#include "inference/tokenizer/tokenizer.h"

#include <memory>

namespace fabulist::inference {

struct Engine::Impl {
    EngineOptions options;
    ModelInfo info;
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<Backend> backend; // before model: the model refers to it
    std::unique_ptr<Model> model;
};

} // namespace fabulist::inference
