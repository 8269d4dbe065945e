#pragma once
// The lead-in for continuing an empty scene: the model has nothing before the cursor to go on,
// so it reads the end of the previous scene (in binder order) and the title of the chapter the
// scene opens, as a reader would have them in mind.
#include <QString>
#include <cstdint>

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

// At most `chars` characters: the previous scene's end, then the chapter's title when the scene
// is the first of its chapter. Empty when there is neither. Throws what storage throws.
QString sceneLeadIn(storage::Project& project, int64_t sceneId, int chars);

} // namespace fabulist::ui
