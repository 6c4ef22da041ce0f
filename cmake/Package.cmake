# `cpack -G DEB` (from the build directory): one Debian package, paddock, with everything
# cmake/Install.cmake installs under /usr plus what only a system install wants: the systemd
# unit paddock.service, /etc/paddock/zoo.cfg (a conffile: a standalone server on 2181 with its
# data in /var/lib/paddock) and maintainer scripts that create the paddock user and the data
# directory (packaging/debian/). Those go to absolute paths in the "system" component, which
# `cmake --install` leaves out, so installing into a prefix never touches /etc.
#
# Depends comes from the shared libraries the binaries link (dpkg-shlibdeps, package dpkg-dev),
# plus passwd for useradd.
set(PADDOCK_PACKAGE_PREFIX /usr)
set(PADDOCK_PACKAGE_BIN_DIR ${PADDOCK_PACKAGE_PREFIX}/${CMAKE_INSTALL_BINDIR})
set(PADDOCK_PACKAGE_DOC_DIR ${PADDOCK_PACKAGE_PREFIX}/${CMAKE_INSTALL_DOCDIR})
configure_file(${CMAKE_SOURCE_DIR}/packaging/paddock.service.in
  ${CMAKE_BINARY_DIR}/packaging/paddock.service @ONLY)

install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The Grafana dashboard and Prometheus alert rules, for operators to load.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/monitoring/paddock-dashboard.json
              ${CMAKE_SOURCE_DIR}/packaging/monitoring/paddock-alerts.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/monitoring)
install(FILES ${CMAKE_BINARY_DIR}/packaging/paddock.service DESTINATION /lib/systemd/system
  COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/zoo.cfg DESTINATION /etc/paddock
  COMPONENT system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME paddock)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "coordination service speaking Apache ZooKeeper's protocol, with its C++ client")
set(CPACK_PACKAGE_CONTACT "Paddock maintainers <maintainers@paddock.invalid>"
  CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGING_INSTALL_PREFIX ${PADDOCK_PACKAGE_PREFIX})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified system)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dpkg-shlibdeps must resolve libpaddock.so.0 from the package itself.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS passwd)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
  ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
find_program(PADDOCK_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(NOT PADDOCK_DPKG_SHLIBDEPS)
  message(STATUS "dpkg-shlibdeps not found (package dpkg-dev): `cpack -G DEB` will fail")
endif()
include(CPack)
