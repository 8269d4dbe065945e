# CUDA backend toolchain (inference/backend/cuda/). FABULIST_CUDA: AUTO (build it when nvcc is
# found, also in /usr/local/cuda/bin), ON (required: configure fails saying what is missing), OFF.
# Sets FABULIST_HAVE_CUDA (ON/OFF) in the including scope. Included from the top-level
# CMakeLists.txt because enable_language(CUDA) belongs to the top directory.
#
# One binary runs from Turing to Hopper: real code for sm_75/80/86/89/90 plus sm_90 PTX that the
# driver JIT-compiles for newer GPUs. cudart is linked statically, so a machine without the
# CUDA runtime installed still starts; with no driver the backend reports why and is not used.
set(FABULIST_HAVE_CUDA OFF)
string(TOUPPER "${FABULIST_CUDA}" _fabulist_cuda_mode)
if(NOT _fabulist_cuda_mode STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90-real;90-virtual")
    endif()
    # Static cudart, linked as CUDA::cudart_static (a full path) by fabulist_inference; CMake's
    # own runtime option would put a bare -lcudart_static on C++ link lines without its -L.
    set(CMAKE_CUDA_RUNTIME_LIBRARY None)
    enable_language(CUDA)
    # CMake 3.25 does not know nvcc 13's C++20 flags; nvcc takes the host compiler's spelling.
    if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    # /usr/include (Vulkan's include directory) must never reach nvcc as -isystem: it reorders
    # the host compiler's own search path and <cmath> stops finding <math.h>.
    list(APPEND CMAKE_CUDA_IMPLICIT_INCLUDE_DIRECTORIES /usr/include)
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(FABULIST_HAVE_CUDA ON)
    message(STATUS "CUDA backend: ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
                   "architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(_fabulist_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "FABULIST_CUDA=ON but no CUDA compiler (nvcc) was found: install the "
                        "CUDA Toolkit, or pass -DCMAKE_CUDA_COMPILER=/path/to/nvcc, or "
                        "-DFABULIST_CUDA=AUTO to build without CUDA")
  else()
    message(STATUS "CUDA backend: OFF (nvcc not found)")
  endif()
else()
  message(STATUS "CUDA backend: OFF (FABULIST_CUDA=OFF)")
endif()
