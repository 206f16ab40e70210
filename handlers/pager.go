package handlers

import (
	"strconv"

	"github.com/gin-gonic/gin"
)

// perPage is how many rows the staff area's lists show at once.
const perPage = 50

// pager is the previous and next links of a long list.
type pager struct {
	Number, Pages int
	Prev, Next    string
}

func makePager(c *gin.Context, page int, total int64) pager {
	pages := int((total + perPage - 1) / perPage)
	if pages < 1 {
		pages = 1
	}
	p := pager{Number: page, Pages: pages}
	link := func(n int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// pageParam is the ?page= asked for; anything odd is page 1.
func pageParam(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}
