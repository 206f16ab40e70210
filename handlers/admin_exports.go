package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/reports"
)

// The long downloads (a year's statements zip, the receipts report of a
// year or of dates, the payouts report): a POST starts a background job
// and answers 303 to the job's page, which shows its progress, then offers
// the file. The file is made once, kept seven days, and served by any
// instance.

// startExport starts (or joins) the export the form asks for.
func (s *Server) startExport(c *gin.Context) {
	e, ok := s.exportFromForm(c)
	if !ok {
		return
	}
	got, shared, err := s.store.StartExport(c.Request.Context(), actor(c), e)
	if err != nil {
		s.error(c, err)
		return
	}
	if shared {
		s.setFlash(c, "This was already being made, started by "+got.RequestedBy+": you are watching the same job.")
	}
	c.Redirect(http.StatusSeeOther, "/admin/exports/"+got.ID)
}

// exportFromForm reads what to export; false after it answered 400.
func (s *Server) exportFromForm(c *gin.Context) (models.Export, bool) {
	kind, year, from, to := c.PostForm("kind"), strings.TrimSpace(c.PostForm("year")), c.PostForm("from"), c.PostForm("to")
	switch kind {
	case models.ExportStatements:
		y, err := strconv.Atoi(year)
		if err != nil || y < 1900 || y > 9999 {
			s.errorPage(c, http.StatusBadRequest, "Check the year", "The statements need a fiscal year such as 2026.")
			return models.Export{}, false
		}
		return models.Export{Kind: kind, Params: url.Values{"year": {strconv.Itoa(y)}}.Encode(),
			Label: fmt.Sprintf("Statements for fiscal year %d", y), FileName: fmt.Sprintf("statements-%d.zip", y),
			ContentType: "application/zip"}, true
	case models.ExportReceipts, models.ExportPayouts:
		// Receipts by fiscal year or by gift dates; payouts by arrival
		// dates only.
		if kind == models.ExportPayouts {
			year = ""
		}
		if year != "" {
			from, to = "", ""
		}
		_, label, err := reports.ParsePeriod(year, from, to, s.cfg.Location)
		if err != nil {
			s.errorPage(c, http.StatusBadRequest, "Check the report's dates", sentence(err.Error()))
			return models.Export{}, false
		}
		v := url.Values{"year": {year}}
		if year == "" {
			v = url.Values{"from": {from}, "to": {to}}
		}
		name := map[string]string{models.ExportReceipts: "Receipts", models.ExportPayouts: "Payouts"}[kind]
		return models.Export{Kind: kind, Params: v.Encode(), Label: name + " report, " + strings.ReplaceAll(label, "_", " "),
			FileName: kind + "-" + label + ".csv", ContentType: "text/csv; charset=utf-8"}, true
	}
	s.errorPage(c, http.StatusBadRequest, "Choose a report", "There is no report of that kind.")
	return models.Export{}, false
}

// exportView is an export as its page and its progress answer show it.
type exportView struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Status   string `json:"status"`
	Done     int64  `json:"done"`
	Total    int64  `json:"total"`
	Percent  int64  `json:"percent"`
	Summary  string `json:"summary"` // "120 of 400 statements, about 5 seconds left"
	Error    string `json:"error,omitempty"`
	Download string `json:"download,omitempty"` // the file's address, once done
	FileName string `json:"file_name"`
	Size     string `json:"size,omitempty"`
	Kept     string `json:"kept,omitempty"` // until when the file is kept
	Finished bool   `json:"finished"`       // nothing more will change: the page stops asking
}

func (s *Server) exportView(e *models.Export) exportView {
	now := s.now()
	v := exportView{ID: e.ID, Label: e.Label, Status: e.Status, Done: e.Done, Total: e.Total, FileName: e.FileName}
	if e.Total > 0 {
		v.Percent = e.Done * 100 / e.Total
	}
	unit := map[string]string{models.ExportStatements: "statements", models.ExportReceipts: "receipts", models.ExportPayouts: "payouts"}[e.Kind]
	switch e.Status {
	case models.ExportQueued:
		v.Summary = "Waiting to start."
	case models.ExportRunning:
		v.Summary = fmt.Sprintf("%s of %s %s done.", humanize.Comma(e.Done), humanize.Comma(e.Total), unit)
		if left, ok := e.Remaining(now); ok {
			v.Summary += " About " + humanDuration(left) + " left."
		}
	case models.ExportDone:
		v.Percent, v.Finished = 100, true
		v.Summary = fmt.Sprintf("Done: %s %s in %s.", humanize.Comma(e.Done), unit, humanDuration(e.Elapsed(now)))
		v.Download, v.Size = "/admin/exports/"+e.ID+"/file", byteSize(int(e.Size))
		if e.ExpiresAt != nil {
			v.Kept = e.ExpiresAt.In(s.cfg.Location).Format("2 January 2006, 15:04 MST")
		}
	case models.ExportFailed:
		v.Finished = true
		v.Summary = "Failed. Nothing was kept: start it again when the cause is fixed."
	case models.ExportExpired:
		v.Finished = true
		v.Summary = "Its file was removed after seven days: start it again for a fresh one."
	}
	v.Error = e.Error
	return v
}

type exportData struct {
	adminPage
	Export exportView
	// Kind, Year, From and To fill the form that starts the same export
	// again (once failed or expired).
	Kind, Year, From, To string
}

func (s *Server) exportPage(c *gin.Context) {
	e, err := s.staffExport(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.error(c, err)
		return
	}
	d := exportData{adminPage: s.adminBase(c), Export: s.exportView(e), Kind: e.Kind}
	if v, err := url.ParseQuery(e.Params); err == nil {
		d.Year, d.From, d.To = v.Get("year"), v.Get("from"), v.Get("to")
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "admin_export", d)
}

// exportProgress answers the page's script with the export's state.
func (s *Server) exportProgress(c *gin.Context) {
	e, err := s.staffExport(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.error(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, s.exportView(e))
}

// exportFile downloads a finished export's file, audited like every
// report.
func (s *Server) exportFile(c *gin.Context) {
	ctx := c.Request.Context()
	e, err := s.staffExport(ctx, c.Param("id"))
	if err != nil {
		s.error(c, err)
		return
	}
	if e.Status != models.ExportDone {
		s.errorPage(c, http.StatusConflict, "Not ready", "This file is "+e.Status+": its page says more.")
		return
	}
	if !s.auditDownload(c, "downloaded report", fmt.Sprintf("%s (export %s, %d items)", e.Label, e.ID, e.Done)) {
		return
	}
	attachment(c, e.FileName, e.ContentType)
	c.Header("Content-Length", strconv.FormatInt(e.Size, 10))
	c.Status(http.StatusOK)
	if err := s.store.WriteExportFile(ctx, e, c.Writer); err != nil {
		// Content-Length was promised: a short body is seen as broken,
		// never as a complete file.
		s.logger(c).Error("sending export file", "export", e.ID, "err", err)
	}
}

// staffExport is an export staff may see: any but a donor's own file,
// which looks exactly like a missing one.
func (s *Server) staffExport(ctx context.Context, id string) (*models.Export, error) {
	e, err := s.store.ExportByID(ctx, id)
	if err == nil && e.Kind == models.ExportDonorFile {
		return nil, models.Errorf(models.ErrNotFound, "There is no such download.")
	}
	return e, err
}
