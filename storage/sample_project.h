#pragma once
// Ready-made projects: the standard layout of a new project and the sample novel a first start
// opens (its text lives in resources/sample/ and is compiled in).

#include "storage/project.h"

#include <memory>
#include <string>
#include <string_view>

namespace fabulist::storage {

// Creates a new project with the standard top-level folders, in this order: "Manuscript",
// "Characters", "Places", "Notes". Throws like Project::create.
std::unique_ptr<Project> createStandardProject(const std::string& path, std::string_view title);

// Creates the sample novel at path (which must not exist): chapters and scenes with a page or
// two of prose, characters, places, notes, and a storyboard with cards linked to scenes.
std::unique_ptr<Project> createSampleProject(const std::string& path);
// The sample novel's source (resources/sample/sample_project.txt, compiled in): its prose is
// also the shipped text the Models dialog measures perplexity on.
std::string_view sampleProjectSource();

} // namespace fabulist::storage
