# `cmake --install build --prefix P` installs the headers, the module libraries, a CMake package
# (find_package(rivetkit CONFIG) with targets rivetkit::common ... rivetkit::server,
# rivetkit::client, rivetkit::harness) and a pkg-config file (rivetkit.pc).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rivet DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(RIVET_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rivetkit)
install(EXPORT rivetkitTargets NAMESPACE rivetkit:: DESTINATION ${RIVET_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rivetkitConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rivetkitConfig.cmake INSTALL_DESTINATION ${RIVET_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rivetkitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rivetkitConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rivetkitConfigVersion.cmake
        DESTINATION ${RIVET_CMAKE_DIR})

configure_file(${PROJECT_SOURCE_DIR}/cmake/rivetkit.pc.in ${CMAKE_CURRENT_BINARY_DIR}/rivetkit.pc
               @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rivetkit.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
