// splice(2), pipe2(2) and the pipe-size fcntl: glibc declares them only under _GNU_SOURCE, which Swift's
// Glibc module does not set. For artifact downloads (DroverHTTP's SpliceDownload, DroverArtifacts'
// ArtifactWriter.appendFromPipe).
#if defined(__linux__)
#include <sys/types.h>
extern int pipe2(int pipefd[2], int flags);
extern ssize_t splice(int fd_in, __off64_t *off_in, int fd_out, __off64_t *off_out, size_t len, unsigned int flags);
#define DROVER_SPLICE_F_MOVE 1
#define DROVER_SPLICE_F_MORE 4
#define DROVER_F_SETPIPE_SZ 1031
#endif
