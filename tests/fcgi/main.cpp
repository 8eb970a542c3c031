#define BOOST_TEST_MODULE fcgi
#include <boost/test/unit_test.hpp>
