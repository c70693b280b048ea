# The `docs` target: the API reference of the installed headers (messages/,
# storage/, actors/, facade/) with Doxygen, in build/docs/html. Every undocumented
# public declaration is a warning and every warning fails the target, so CI
# (scripts/test.sh) keeps the `///` comments complete.
find_package(Doxygen)
if(NOT DOXYGEN_FOUND)
  message(STATUS "Doxygen not found: no `docs` target")
  return()
endif()

set(DOXYGEN_PROJECT_NAME checkpoint)
set(DOXYGEN_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/docs")
set(DOXYGEN_STRIP_FROM_PATH "${PROJECT_SOURCE_DIR}")
set(DOXYGEN_FILE_PATTERNS *.hpp *.dox)
set(DOXYGEN_EXTRACT_ALL NO)
set(DOXYGEN_WARN_IF_UNDOCUMENTED YES)
set(DOXYGEN_WARN_AS_ERROR FAIL_ON_WARNINGS)
set(DOXYGEN_QUIET YES)
set(DOXYGEN_GENERATE_LATEX NO)
set(DOXYGEN_HAVE_DOT NO)
# One comment documents a group (`/// @{` ... `/// @}`) of operators.
set(DOXYGEN_DISTRIBUTE_GROUP_DOC YES)
# inspect() is CAF's serialisation hook, the same for every message type.
set(DOXYGEN_EXCLUDE_SYMBOLS inspect)
doxygen_add_docs(docs
  "${PROJECT_SOURCE_DIR}/cmake/checkpoint.dox"
  "${PROJECT_SOURCE_DIR}/messages"
  "${PROJECT_SOURCE_DIR}/storage"
  "${PROJECT_SOURCE_DIR}/actors"
  "${PROJECT_SOURCE_DIR}/facade"
  COMMENT "API reference in ${PROJECT_BINARY_DIR}/docs/html")
