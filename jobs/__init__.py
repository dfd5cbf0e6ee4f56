"""One lifecycle for background jobs (progress reports, legacy imports): the abstract model
`jobs.models.Job` the job tables inherit, and `jobs.lifecycle`, the only code that moves a job
from state to state. Not a Django app: it has no table of its own."""
