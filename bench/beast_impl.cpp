// Beast's implementation, compiled once for rivet-load (BOOST_BEAST_SEPARATE_COMPILATION is
// defined for the whole build; Asio's implementation comes with rivet::common).
#include <boost/beast/src.hpp>
