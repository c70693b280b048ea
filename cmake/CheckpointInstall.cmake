# Installs the libraries as the CMake package `checkpoint` (and a pkg-config
# file): each library calls checkpoint_install_library(), the top
# CMakeLists.txt calls checkpoint_install_package() once after them.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Before 1.0 a minor version may break the API and the ABI, after it only a
# major one: the shared libraries' SOVERSION and the package version check
# follow the same rule.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(CHECKPOINT_SOVERSION "0.${PROJECT_VERSION_MINOR}")
  set(CHECKPOINT_COMPATIBILITY SameMinorVersion)
else()
  set(CHECKPOINT_SOVERSION "${PROJECT_VERSION_MAJOR}")
  set(CHECKPOINT_COMPATIBILITY SameMajorVersion)
endif()

set(CHECKPOINT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/checkpoint")

# checkpoint_install_library(TARGET NAME [HEADER FILE]): installs TARGET as
# checkpoint::NAME (the alias the build tree has too) and the headers of
# the calling folder under include/checkpoint/NAME/, all in the install
# component `dev`; checkpoint.pc and the package config then include it.
# With HEADER, the library's one header FILE of the calling folder goes to
# include/checkpoint/ instead (the facade: <checkpoint/checkpoints.hpp>).
# Called after the libraries that TARGET links.
function(checkpoint_install_library target name)
  cmake_parse_arguments(arg "" "HEADER" "" ${ARGN})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${name}
    VERSION ${PROJECT_VERSION}
    SOVERSION ${CHECKPOINT_SOVERSION})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CHECKPOINT_INCLUDE_DIR}>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  install(TARGETS ${target} EXPORT checkpoint-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  if(arg_HEADER)
    install(FILES "${CMAKE_CURRENT_SOURCE_DIR}/${arg_HEADER}"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/checkpoint"
      COMPONENT dev)
  else()
    install(DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/checkpoint/${name}"
      COMPONENT dev
      FILES_MATCHING PATTERN "*.hpp")
  endif()
  set_property(GLOBAL APPEND PROPERTY CHECKPOINT_INSTALLED_LIBRARIES
    ${target})
endfunction()

# checkpoint_install_package(): the package config, its version file, the
# exported targets, the CAF find module they need, and checkpoint.pc.
function(checkpoint_install_package)
  install(EXPORT checkpoint-targets
    NAMESPACE checkpoint::
    DESTINATION "${CHECKPOINT_CMAKE_DIR}"
    COMPONENT dev)
  configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/checkpoint-config.cmake.in"
    "${PROJECT_BINARY_DIR}/checkpoint-config.cmake"
    INSTALL_DESTINATION "${CHECKPOINT_CMAKE_DIR}")
  write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/checkpoint-config-version.cmake"
    COMPATIBILITY ${CHECKPOINT_COMPATIBILITY})
  install(FILES
    "${PROJECT_BINARY_DIR}/checkpoint-config.cmake"
    "${PROJECT_BINARY_DIR}/checkpoint-config-version.cmake"
    "${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake"
    DESTINATION "${CHECKPOINT_CMAKE_DIR}"
    COMPONENT dev)

  # pkg-config: the libraries in link order (dependents first); static
  # ones also need what they link privately.
  get_property(targets GLOBAL PROPERTY CHECKPOINT_INSTALLED_LIBRARIES)
  list(REVERSE targets)
  set(CHECKPOINT_PC_LIBS "")
  foreach(target IN LISTS targets)
    string(APPEND CHECKPOINT_PC_LIBS " -l${target}")
  endforeach()
  # Relative to the .pc file, so that `cmake --install --prefix` works.
  set(pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  file(RELATIVE_PATH CHECKPOINT_PC_PREFIX "/${pc_dir}" "/")
  string(REGEX REPLACE "/$" "" CHECKPOINT_PC_PREFIX "${CHECKPOINT_PC_PREFIX}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/checkpoint.pc.in"
                 "${PROJECT_BINARY_DIR}/checkpoint.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/checkpoint.pc"
    DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    COMPONENT dev)
endfunction()
