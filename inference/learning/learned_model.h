#pragma once
// A model learned from one writer's book (`fabulist-cli learn`): where it lives, how a finished
// result is published in one atomic step, and how it is found and verified when loaded.
//
// Layout of a project's folder ($XDG_DATA_HOME/fabulist/learned/<project identity>/ or -o DIR):
//   current            the name of the published result folder (replaced atomically)
//   <result>/learned.gguf, learned.head.gguf (the diversity head beside it, as the app expects),
//            each with <file>.sha256, and card.json (what it learned from, perplexities)
//   work/              the resumable state of a run in progress (removed once published)
//   use-default        present when the writer went back to the default model for this project
// A result folder is complete before `current` names it, so a cancelled or crashed run never
// leaves a half-written model where the app looks.

#include <optional>
#include <string>

namespace fabulist::inference {

struct LearnedModel {
    std::string folder;    // the project's folder
    std::string modelPath; // <folder>/<result>/learned.gguf
    std::string headPath;  // <folder>/<result>/learned.head.gguf
    std::string cardPath;  // <folder>/<result>/card.json
};

// $XDG_DATA_HOME/fabulist/learned (~/.local/share/fabulist/learned).
std::string learnedModelsRoot();
// learnedModelsRoot()/<identity>.
std::string learnedModelFolder(const std::string& projectIdentity);

// The published result in `folder`, or nothing when there is none (the files are not checked:
// see verifyLearnedModel).
std::optional<LearnedModel> findLearnedModel(const std::string& folder);

// Throws EngineError naming the file when the model or the head differs from its .sha256 (or
// either is missing), with what to do: learn again or delete the folder.
void verifyLearnedModel(const LearnedModel& model);

// Lower-case hex SHA-256 of a file's bytes; throws EngineError when it cannot be read.
std::string fileSha256(const std::string& path);

// Writes `path` through a temporary file in the same folder and a rename: whole or absent.
void writeFileAtomically(const std::string& path, const std::string& contents);

// Moves the complete result folder `staged` (inside `folder`) to a fresh name, points `current`
// at it and removes the results it replaces. Returns the published model.
LearnedModel publishLearnedModel(const std::string& folder, const std::string& staged);

// The writer's choice for this project: the default model although a learned one exists.
bool prefersDefaultModel(const std::string& folder);
void setPrefersDefaultModel(const std::string& folder, bool preferDefault);

// Removes the project's learned model, its state and its choice (the whole folder).
void deleteLearnedModel(const std::string& folder);

} // namespace fabulist::inference
