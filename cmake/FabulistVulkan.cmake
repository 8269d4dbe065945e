# Vulkan backend toolchain: the loader/headers (find_package(Vulkan)) and glslc, which compiles
# inference/backend/vulkan/shaders/*.comp to SPIR-V at build time. The SPIR-V is embedded into
# the binary as uint32_t arrays (FabulistEmbedSpirv.cmake), so nothing is loaded from disk.
#
# FABULIST_VULKAN: AUTO (use when found), ON (required: configure fails naming what is missing),
# OFF. Sets FABULIST_HAVE_VULKAN (ON/OFF) in the including scope.

# Configure-time probe of what this glslc can compile: a tiny shader using GL_EXT_integer_dot_product
# and one using GL_KHR_cooperative_matrix (Debian 12's glslc, shaderc 2023.2, knows neither;
# Debian 13's, shaderc 2025.2, knows both). Sets the cache-internal FABULIST_GLSLC_INTEGER_DOT and
# FABULIST_GLSLC_COOPMAT (ON/OFF); fabulist_vulkan_embed_shaders turns them into compile
# definitions. No shader needs them yet: they tell which shader variants could be built here.
function(fabulist_glslc_probe_one var label source)
  set(_dir "${CMAKE_BINARY_DIR}/glslc_probe")
  file(MAKE_DIRECTORY "${_dir}")
  file(WRITE "${_dir}/${var}.comp" "${source}")
  execute_process(
    COMMAND "${FABULIST_GLSLC}" ${_fabulist_glslc_env} -fshader-stage=compute
            -o "${_dir}/${var}.spv" "${_dir}/${var}.comp"
    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
  if(_rc EQUAL 0)
    set(${var} ON CACHE INTERNAL "glslc compiles ${label}")
  else()
    set(${var} OFF CACHE INTERNAL "glslc compiles ${label}")
  endif()
  message(STATUS "glslc ${label}: ${${var}}")
endfunction()

function(fabulist_glslc_probe)
  # vulkan1.3 makes integer dot product core; an older glslc that rejects the flag probes with
  # its default target instead.
  set(_dir "${CMAKE_BINARY_DIR}/glslc_probe")
  file(MAKE_DIRECTORY "${_dir}")
  file(WRITE "${_dir}/plain.comp" "#version 450\nlayout(local_size_x = 1) in;\nvoid main() {}\n")
  execute_process(COMMAND "${FABULIST_GLSLC}" --target-env=vulkan1.3 -fshader-stage=compute
                          -o "${_dir}/plain.spv" "${_dir}/plain.comp"
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  set(_fabulist_glslc_env "")
  if(_rc EQUAL 0)
    set(_fabulist_glslc_env "--target-env=vulkan1.3")
  endif()
  fabulist_glslc_probe_one(FABULIST_GLSLC_INTEGER_DOT "GL_EXT_integer_dot_product" [=[
#version 450
#extension GL_EXT_integer_dot_product : require
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Data { uint a; uint b; uint r; };
void main() { r = dotPacked4x8EXT(a, b); }
]=])
  fabulist_glslc_probe_one(FABULIST_GLSLC_COOPMAT "GL_KHR_cooperative_matrix" [=[
#version 450
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
layout(local_size_x = 32) in;
layout(std430, binding = 0) buffer Data { float v[]; };
void main() {
    coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator> m;
    coopMatLoad(m, v, 0, 16, gl_CooperativeMatrixLayoutRowMajor);
    coopMatStore(m, v, 0, 16, gl_CooperativeMatrixLayoutRowMajor);
}
]=])
endfunction()

set(FABULIST_HAVE_VULKAN OFF)
string(TOUPPER "${FABULIST_VULKAN}" _fabulist_vulkan_mode)
if(NOT _fabulist_vulkan_mode STREQUAL "OFF")
  find_package(Vulkan QUIET)
  find_program(FABULIST_GLSLC NAMES glslc HINTS "${Vulkan_GLSLC_EXECUTABLE}")
  set(_fabulist_vulkan_missing "")
  if(NOT Vulkan_FOUND)
    list(APPEND _fabulist_vulkan_missing "the Vulkan headers and loader (Debian: libvulkan-dev)")
  endif()
  if(NOT FABULIST_GLSLC OR NOT EXISTS "${FABULIST_GLSLC}")
    list(APPEND _fabulist_vulkan_missing "the glslc shader compiler (Debian: glslc)")
  endif()
  if(_fabulist_vulkan_missing)
    list(JOIN _fabulist_vulkan_missing " and " _fabulist_vulkan_missing_text)
    if(_fabulist_vulkan_mode STREQUAL "ON")
      message(FATAL_ERROR "FABULIST_VULKAN=ON but ${_fabulist_vulkan_missing_text} "
                          "could not be found; install it or configure with -DFABULIST_VULKAN=OFF")
    endif()
    message(STATUS "Vulkan backend: off (${_fabulist_vulkan_missing_text} not found)")
  else()
    set(FABULIST_HAVE_VULKAN ON)
    message(STATUS "Vulkan backend: on (glslc: ${FABULIST_GLSLC})")
    fabulist_glslc_probe()
  endif()
else()
  message(STATUS "Vulkan backend: off (FABULIST_VULKAN=OFF)")
endif()

# Compiles every shaders/*.comp of `shader_dir` to SPIR-V and adds the generated embedding
# source to `target`. Every shader is built twice: with subgroup reductions ("name") and with
# FABULIST_REDUCE_SHARED ("name.shared"), the shared-memory reduction of reduce.glsl, for devices
# without subgroup arithmetic (and for tests of the fallback). Shaders without a reduction come
# out the same both ways; building them twice keeps the rule simple.
function(fabulist_vulkan_embed_shaders target shader_dir)
  file(GLOB _comps CONFIGURE_DEPENDS "${shader_dir}/*.comp")
  file(GLOB _includes CONFIGURE_DEPENDS "${shader_dir}/*.glsl")
  if(NOT _comps)
    message(FATAL_ERROR "no Vulkan shaders (*.comp) in ${shader_dir}")
  endif()
  set(_out_dir "${CMAKE_CURRENT_BINARY_DIR}/vulkan_shaders")
  file(MAKE_DIRECTORY "${_out_dir}")
  set(_spvs "")
  set(_names "")
  foreach(_comp ${_comps})
    get_filename_component(_name "${_comp}" NAME_WE)
    set(_variants "${_name}|" "${_name}.shared|-DFABULIST_REDUCE_SHARED=1")
    if(_name MATCHES "^matmul_")
      # MoE expert matmuls: the same kernels with the expert id read from the routing buffer.
      list(APPEND _variants "${_name}.moe|-DFABULIST_MOE=1"
           "${_name}.moe.shared|-DFABULIST_MOE=1|-DFABULIST_REDUCE_SHARED=1")
    endif()
    foreach(_variant ${_variants})
      string(REPLACE "|" ";" _parts "${_variant}")
      list(GET _parts 0 _vname)
      list(LENGTH _parts _nparts)
      set(_defines "")
      if(_nparts GREATER 1)
        list(SUBLIST _parts 1 -1 _defines)
      endif()
      set(_spv "${_out_dir}/${_vname}.spv")
      add_custom_command(
        OUTPUT "${_spv}"
        COMMAND "${FABULIST_GLSLC}" --target-env=vulkan1.1 -O -I "${shader_dir}" ${_defines}
                -fshader-stage=compute -o "${_spv}" "${_comp}"
        DEPENDS "${_comp}" ${_includes}
        COMMENT "glslc ${_vname}"
        VERBATIM)
      list(APPEND _spvs "${_spv}")
      list(APPEND _names "${_vname}")
    endforeach()
  endforeach()
  set(_cpp "${_out_dir}/vulkan_shaders_embedded.cpp")
  list(JOIN _names "," _names_arg)
  list(JOIN _spvs "," _spvs_arg)
  add_custom_command(
    OUTPUT "${_cpp}"
    COMMAND "${CMAKE_COMMAND}" "-DNAMES=${_names_arg}" "-DFILES=${_spvs_arg}" "-DOUTPUT=${_cpp}"
            -P "${CMAKE_SOURCE_DIR}/cmake/FabulistEmbedSpirv.cmake"
    DEPENDS ${_spvs} "${CMAKE_SOURCE_DIR}/cmake/FabulistEmbedSpirv.cmake"
    COMMENT "Embedding SPIR-V shaders"
    VERBATIM)
  target_sources(${target} PRIVATE "${_cpp}")
  # What the configure-time glslc probe found (vulkan_features.cpp reports it).
  set(_idot 0)
  set(_coopmat 0)
  if(FABULIST_GLSLC_INTEGER_DOT)
    set(_idot 1)
  endif()
  if(FABULIST_GLSLC_COOPMAT)
    set(_coopmat 1)
  endif()
  target_compile_definitions(${target} PUBLIC FABULIST_GLSLC_INTEGER_DOT=${_idot}
                                              FABULIST_GLSLC_COOPMAT=${_coopmat})
endfunction()
