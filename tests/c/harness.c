/* Implementation of harness.h. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* ---- assertions ------------------------------------------------------------------------------------- */

static pthread_mutex_t h_lock = PTHREAD_MUTEX_INITIALIZER;
static int h_passed;
static int h_failed;

static void h_report_failure(const char *file, int line, const char *what, const char *detail) {
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    if (detail != NULL && detail[0] != '\0') {
        fprintf(stderr, "     %s\n", detail);
    }
    fflush(stderr);
}

static bool h_count(bool ok, const char *file, int line, const char *what, const char *detail) {
    pthread_mutex_lock(&h_lock);
    if (ok) {
        h_passed++;
    } else {
        h_failed++;
        h_report_failure(file, line, what, detail);
    }
    pthread_mutex_unlock(&h_lock);
    return ok;
}

bool h_check(bool ok, const char *file, int line, const char *what) {
    return h_count(ok, file, line, what, NULL);
}

bool h_checkf(bool ok, const char *file, int line, const char *what, const char *fmt, ...) {
    char detail[1024];
    va_list ap;
    detail[0] = '\0';
    if (!ok) {
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    return h_count(ok, file, line, what, detail);
}

bool h_check_str(const char *a, const char *b, const char *file, int line, const char *what) {
    bool ok = (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
    return h_checkf(ok, file, line, what, "got \"%s\", want \"%s\"", a ? a : "(NULL)", b ? b : "(NULL)");
}

bool h_check_contains(const char *haystack, const char *needle, bool want, const char *file, int line,
                      const char *what) {
    bool has = haystack != NULL && strstr(haystack, needle) != NULL;
    return h_checkf(has == want, file, line, what, "in \"%s\"", haystack ? haystack : "(NULL)");
}

bool h_check_status(sxt_status got, sxt_status want, const char *file, int line, const char *what) {
    return h_checkf(got == want, file, line, what, "status %s (%d), want %s (%d)", sxt_status_name((int32_t)got),
                    (int)got, sxt_status_name((int32_t)want), (int)want);
}

bool h_check_ok(sxt_status got, sxt_error **err, const char *file, int line, const char *what) {
    bool ok = got == SXT_STATUS_OK && *err == NULL;
    h_checkf(ok, file, line, what, "status %s (%d), error %s", sxt_status_name((int32_t)got), (int)got,
             *err ? sxt_error_message(*err) : "(none)");
    if (*err != NULL) {
        sxt_error_free(*err);
        *err = NULL;
    }
    return ok;
}

bool h_check_err(sxt_status got, sxt_error **err, sxt_status want, const char *arg, const char *file, int line,
                 const char *what) {
    bool ok = got == want && *err != NULL;
    const char *message = sxt_error_message(*err);
    const char *argument = sxt_error_argument(*err);
    if (ok) {
        ok = sxt_error_code(*err) == want && message != NULL && message[0] != '\0';
    }
    if (ok && arg != NULL) {
        ok = argument != NULL && strcmp(argument, arg) == 0;
    }
    h_checkf(ok, file, line, what, "status %s (%d), want %s (%d); error code %s, message \"%s\", argument %s (want %s)",
             sxt_status_name((int32_t)got), (int)got, sxt_status_name((int32_t)want), (int)want,
             sxt_status_name((int32_t)sxt_error_code(*err)), message ? message : "(NULL)",
             argument ? argument : "(NULL)", arg ? arg : "(any)");
    sxt_error_free(*err);
    *err = NULL;
    return ok;
}

void h_section(const char *title) {
    printf("-- %s\n", title);
    fflush(stdout);
}

/* ---- servers ---------------------------------------------------------------------------------------- */

#define H_MAX_SERVERS 16
static h_server *h_servers[H_MAX_SERVERS];

static void h_forget(h_server *s) {
    int i;
    for (i = 0; i < H_MAX_SERVERS; i++) {
        if (h_servers[i] == s) {
            h_servers[i] = NULL;
        }
    }
}

static void h_stop_all(void) {
    int i;
    for (i = 0; i < H_MAX_SERVERS; i++) {
        if (h_servers[i] != NULL) {
            h_server_stop(h_servers[i]);
        }
    }
}

static void h_remove_files(h_server *s) {
    if (s->dir[0] == '\0') {
        return;
    }
    unlink(s->ca_path);
    unlink(s->out_path);
    unlink(s->log_path);
    rmdir(s->dir);
    s->dir[0] = '\0';
}

void h_server_stop(h_server *s) {
    int status;
    int waited_ms = 0;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        while (waitpid(s->pid, &status, WNOHANG) == 0) {
            if (waited_ms >= 5000) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &status, 0);
                break;
            }
            h_sleep_ms(10);
            waited_ms += 10;
        }
        s->pid = 0;
    }
    h_remove_files(s);
    h_forget(s);
}

bool h_server_start(h_server *s, bool tls, const char *const *args) {
    static bool registered = false;
    const char *bin = getenv("SXT_SERVER_BIN");
    const char *tmp = getenv("TMPDIR");
    const char *argv[64];
    int argc = 0;
    int i;
    int waited_ms = 0;
    pid_t parent = getpid();
    pid_t pid;

    memset(s, 0, sizeof *s);
    s->tls = tls;
    if (bin == NULL || bin[0] == '\0') {
        bin = "target/debug/sxt-auth-server";
    }
    if (tmp == NULL || tmp[0] == '\0') {
        tmp = "/tmp";
    }
    snprintf(s->dir, sizeof s->dir, "%s/sxt-c-test-XXXXXX", tmp);
    if (mkdtemp(s->dir) == NULL) {
        s->dir[0] = '\0';
        return h_checkf(false, __FILE__, __LINE__, "mkdtemp", "%s", strerror(errno));
    }
    snprintf(s->ca_path, sizeof s->ca_path, "%s/ca.pem", s->dir);
    snprintf(s->out_path, sizeof s->out_path, "%s/stdout", s->dir);
    snprintf(s->log_path, sizeof s->log_path, "%s/stderr", s->dir);

    argv[argc++] = bin;
    argv[argc++] = "--listen";
    argv[argc++] = "127.0.0.1:0";
    if (tls) {
        argv[argc++] = "--tls";
        argv[argc++] = "--ca-out";
        argv[argc++] = s->ca_path;
    }
    for (i = 0; args != NULL && args[i] != NULL && argc < 62; i++) {
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;

    if (!registered) {
        atexit(h_stop_all);
        registered = true;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        h_remove_files(s);
        return h_checkf(false, __FILE__, __LINE__, "fork", "%s", strerror(errno));
    }
    if (pid == 0) {
        int out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int devnull = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || devnull < 0) {
            _exit(126);
        }
        dup2(devnull, 0);
        dup2(out, 1);
        dup2(err, 2);
        /* Die with the test program, even if it crashes. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(125);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (i = 0; i < H_MAX_SERVERS; i++) {
        if (h_servers[i] == NULL) {
            h_servers[i] = s;
            break;
        }
    }
    /* Wait (up to 30 s) for the `listening on <url>` line. */
    for (;;) {
        char *text = h_read_file(s->out_path);
        int status;
        if (text != NULL) {
            const char *p = strstr(text, "listening on ");
            const char *end = p ? strchr(p, '\n') : NULL;
            if (p != NULL && end != NULL) {
                size_t n = (size_t)(end - (p + 13));
                if (n >= sizeof s->url) {
                    n = sizeof s->url - 1;
                }
                memcpy(s->url, p + 13, n);
                s->url[n] = '\0';
                free(text);
                return h_checkf(strncmp(s->url, tls ? "https://" : "http://", tls ? 8u : 7u) == 0, __FILE__,
                                __LINE__, "server URL scheme", "url %s", s->url);
            }
            free(text);
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char *log = h_read_file(s->log_path);
            s->pid = 0;
            h_checkf(false, __FILE__, __LINE__, "server started", "%s exited (status %d): %s", bin, status,
                     log ? log : "");
            free(log);
            h_server_stop(s);
            return false;
        }
        if (waited_ms >= 30000) {
            h_checkf(false, __FILE__, __LINE__, "server started", "no `listening on` line from %s in 30 s", bin);
            h_server_stop(s);
            return false;
        }
        h_sleep_ms(20);
        waited_ms += 20;
    }
}

int h_server_log_count(const h_server *s, const char *needle) {
    char *text = h_read_file(s->log_path);
    int n = 0;
    const char *p;
    if (text == NULL) {
        return -1;
    }
    for (p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    free(text);
    return n;
}

sxt_client *h_client(const h_server *s, long margin_ms) {
    return h_client_keep_key(s, margin_ms, true);
}

sxt_client *h_client_keep_key(const h_server *s, long margin_ms, bool keep_key) {
    return h_client_full(s, margin_ms, keep_key, false);
}

sxt_client *h_client_full(const h_server *s, long margin_ms, bool keep_key, bool proxied) {
    sxt_client_options *opts = NULL;
    sxt_client *client = NULL;
    sxt_error *err = NULL;
    if (!CHECK_OK(sxt_client_options_new(&opts, &err), err)) {
        return NULL;
    }
    if (s->tls) {
        char *pem = h_read_file(s->ca_path);
        CHECK(pem != NULL);
        if (pem != NULL) {
            CHECK_OK(sxt_client_options_add_ca_pem(opts, pem, &err), err);
        }
        free(pem);
    } else {
        CHECK_OK(sxt_client_options_set_allow_http(opts, true, &err), err);
    }
    if (!keep_key) {
        CHECK_OK(sxt_client_options_set_keep_key(opts, false, &err), err);
    }
    if (margin_ms >= 0) {
        CHECK_OK(sxt_client_options_set_refresh_margin_ms(opts, (uint32_t)margin_ms, &err), err);
    }
    if (proxied) {
        CHECK_OK(sxt_client_options_set_proxy_url(opts, s->url, &err), err);
    }
    CHECK_OK(sxt_client_new(s->url, opts, &client, &err), err);
    sxt_client_options_free(opts);
    return client;
}

/* ---- utilities -------------------------------------------------------------------------------------- */

char *h_read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        size_t n;
        if (cap - len < 4096) {
            char *bigger = realloc(buf, cap + 8192);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = bigger;
            cap += 8192;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

const char *h_user_id(char *buf, size_t len, const char *prefix) {
    static int counter = 0;
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int n;
    pthread_mutex_lock(&lock);
    n = ++counter;
    pthread_mutex_unlock(&lock);
    snprintf(buf, len, "%s-%ld-%d", prefix, (long)getpid(), n);
    return buf;
}

void h_sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int64_t h_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool h_json_string(const char *json, const char *key, char *out, size_t len) {
    char pattern[128];
    const char *p;
    const char *end;
    size_t n;
    if (json == NULL) {
        return false;
    }
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = strstr(json, pattern);
    if (p == NULL) {
        return false;
    }
    p += strlen(pattern);
    end = strchr(p, '"');
    if (end == NULL) {
        return false;
    }
    n = (size_t)(end - p);
    if (n >= len) {
        return false;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

int h_silent_listener(int *port_out) {
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0) {
        close(fd);
        return -1;
    }
    *port_out = ntohs(addr.sin_port);
    return fd;
}

char *h_new_private_key(char **public_out) {
    char *priv = NULL;
    char *pub = NULL;
    char *copy = NULL;
    sxt_error *err = NULL;
    if (CHECK_OK(sxt_keygen(&priv, &pub, &err), err)) {
        copy = malloc(strlen(priv) + 1);
        if (copy != NULL) {
            strcpy(copy, priv);
        }
        if (public_out != NULL) {
            *public_out = malloc(strlen(pub) + 1);
            if (*public_out != NULL) {
                strcpy(*public_out, pub);
            }
        }
    }
    sxt_string_free(priv);
    sxt_string_free(pub);
    return copy;
}

int h_finish(void) {
    size_t live = sxt_live_objects();
    h_checkf(live == 0, __FILE__, __LINE__, "sxt_live_objects() == 0 at exit", "%lu objects still alive",
             (unsigned long)live);
    h_stop_all();
    printf("%d passed, %d failed\n", h_passed, h_failed);
    fflush(stdout);
    return h_failed == 0 ? 0 : 1;
}
