## The HTTP API (issue 13): lib/http's unit tests and the API end to end
## with curl against a daemon with http_listen; included from t/local.mk.
EXTRA_DIST += t/e2e-http.sh
TESTS += t/e2e-http.sh
