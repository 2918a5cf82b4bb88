// Compiles Beast's implementation once for the whole program (BOOST_BEAST_SEPARATE_COMPILATION
// is defined globally); every other file only includes declarations.
#include <boost/beast/src.hpp>
