# The version every binary prints with --version: the project's version and the git revision of
# the source tree when CMake configured it (`git describe --always --dirty`), or "unknown" when
# the sources are not a git checkout of their own (a tarball, or a copy inside another
# repository). Written to <build>/generated/base/version.h, which paddock_base exports.
#
# The revision is read at configure time; a commit or checkout makes CMake configure again (the
# build depends on HEAD and the branch's ref), but edits alone do not refresh "-dirty".
set(PADDOCK_GIT_REVISION unknown)
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE paddock_git_top
    RESULT_VARIABLE paddock_git_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(paddock_git_rc EQUAL 0)
    file(REAL_PATH "${paddock_git_top}" paddock_git_top)
    file(REAL_PATH "${CMAKE_SOURCE_DIR}" paddock_source_real)
  endif()
  if(paddock_git_rc EQUAL 0 AND paddock_git_top STREQUAL paddock_source_real)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE paddock_git_describe
      RESULT_VARIABLE paddock_git_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(paddock_git_rc EQUAL 0 AND paddock_git_describe)
      set(PADDOCK_GIT_REVISION ${paddock_git_describe})
    endif()
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --symbolic-full-name HEAD
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE paddock_git_branch
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    foreach(ref HEAD ${paddock_git_branch})
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${ref}
        WORKING_DIRECTORY ${CMAKE_SOURCE_DIR} OUTPUT_VARIABLE paddock_git_ref_file
        OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(paddock_git_ref_file AND NOT IS_ABSOLUTE "${paddock_git_ref_file}")
        set(paddock_git_ref_file "${CMAKE_SOURCE_DIR}/${paddock_git_ref_file}")
      endif()
      if(EXISTS "${paddock_git_ref_file}")
        set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${paddock_git_ref_file}")
      endif()
    endforeach()
  endif()
endif()
message(STATUS "Paddock ${PROJECT_VERSION}, git revision ${PADDOCK_GIT_REVISION}")
configure_file(${CMAKE_SOURCE_DIR}/src/base/version.h.in
  ${CMAKE_BINARY_DIR}/generated/base/version.h @ONLY)
