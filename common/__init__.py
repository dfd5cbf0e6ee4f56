"""Small helpers every app may import (months and periods, Vietnamese numbers); they import no
app, so no cycle can form through them."""
