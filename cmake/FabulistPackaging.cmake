# The .deb (installer/package.sh runs `cpack` in the build directory). Built per Debian release:
# dpkg-shlibdeps (run by package.sh) declares the library packages of the release it is built on
# (Debian 12 and 13 name the Qt libraries differently), and the revision says which release that was
# (fabulist_0.1.0-1~deb12_amd64.deb).

# "deb12" from /etc/os-release (ID=debian, VERSION_ID=12); another distribution keeps its ID.
function(fabulist_release_tag out)
  set(tag "")
  if(EXISTS /etc/os-release)
    file(STRINGS /etc/os-release _lines REGEX "^(ID|VERSION_ID|VERSION_CODENAME)=")
    foreach(line IN LISTS _lines)
      string(REGEX REPLACE "^([A-Z_]+)=\"?([^\"]*)\"?$" "\\1;\\2" pair "${line}")
      list(GET pair 0 key)
      list(GET pair 1 value)
      set(_${key} "${value}")
    endforeach()
    if(_ID STREQUAL "debian")
      set(_ID deb)
    endif()
    if(_VERSION_ID)
      set(tag "${_ID}${_VERSION_ID}")
    elseif(_VERSION_CODENAME)
      set(tag "${_ID}${_VERSION_CODENAME}")
    endif()
  endif()
  set(${out} "${tag}" PARENT_SCOPE)
endfunction()

fabulist_release_tag(_release_tag)
# cpack builds only what it installs (package.sh builds those targets), not the ~90 test targets.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fabulist)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Fabulist maintainers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "writing desk with an on-device language model")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
if(_release_tag)
  set(CPACK_DEBIAN_PACKAGE_RELEASE "1~${_release_tag}")
else()
  set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION editors)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: package.sh passes what dpkg-shlibdeps says (CPACK_DEBIAN_PACKAGE_DEPENDS).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
# Spell check needs a dictionary; Hunspell's library alone checks nothing.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "hunspell-en-us | hunspell-dictionary")
# Project > Learn This Book runs the PyTorch trainer: about 1 GB for one feature, so a Suggests
# (fabulist-cli learn names the packages when they are missing), not a Depends or Recommends.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-torch, python3-numpy")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The long description; CPack puts the summary above it and indents each line.
set(CPACK_PACKAGE_DESCRIPTION
  "Fabulist is a desktop application for writing novels and short stories. A
project (binder, texts, revisions, snapshots and every generation) lives in
one .fabulist file; a small language model shipped with the package runs
offline on the CPU and can continue a scene. Includes fabulist-cli for
projects and GGUF models on the command line.")
include(CPack)
