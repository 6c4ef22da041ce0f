# `cmake --install`: the binaries, libpaddock (shared and static), its public headers, a CMake
# package (find_package(Paddock) -> Paddock::client, Paddock::client_static) and a pkg-config
# file (paddock.pc). Paths come from GNUInstallDirs and are relative to the prefix, so the same
# rules serve `cmake --install build --prefix DIR` and the Debian package (cmake/Package.cmake).
include(CMakePackageConfigHelpers)

install(TARGETS paddock-server paddock-cli paddock-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# paddock-bench is a tool for people comparing servers; it ships too (it needs nothing more).
install(TARGETS paddock-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(TARGETS paddock_shared paddock_static EXPORT PaddockTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/paddock DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

set(PADDOCK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Paddock)
install(EXPORT PaddockTargets NAMESPACE Paddock:: DESTINATION ${PADDOCK_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/packaging/PaddockConfig.cmake.in
  ${CMAKE_BINARY_DIR}/packaging/PaddockConfig.cmake INSTALL_DESTINATION ${PADDOCK_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/PaddockConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/packaging/PaddockConfig.cmake
  ${CMAKE_BINARY_DIR}/packaging/PaddockConfigVersion.cmake DESTINATION ${PADDOCK_CMAKE_DIR})

# paddock.pc finds the prefix from its own place (${pcfiledir}), so an installed tree can move.
file(RELATIVE_PATH PADDOCK_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" PADDOCK_PC_TO_PREFIX "${PADDOCK_PC_TO_PREFIX}")
configure_file(${CMAKE_SOURCE_DIR}/packaging/paddock.pc.in ${CMAKE_BINARY_DIR}/packaging/paddock.pc
  @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/paddock.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
