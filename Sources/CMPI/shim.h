// Open MPI's C interface (Debian: libopenmpi-dev, pkg-config name "ompi-c"). Only the Cluster
// module's MPI backend imports this, and only when built with `--traits MPI`.
#include <mpi.h>

// MPI's handles are macros that expand to casts of addresses of library globals
// (`(MPI_Comm)&ompi_mpi_comm_world`), which Swift cannot import; these functions hand them over.
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int(void) { return MPI_INT; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
