package documents

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"

	"github.com/indienews/donations/models"
)

// WriteDonorFile writes a donor's file as a zip: donor.json, everything
// held about them in a machine-readable form, and each receipt as a PDF.
func (r *Renderer) WriteDonorFile(w io.Writer, f *models.DonorFile) error {
	z := zip.NewWriter(w)
	jw, err := z.Create("donor.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(jw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	for i := range f.Receipts {
		rec := &f.Receipts[i]
		var pdf bytes.Buffer
		if err := r.Receipt(&pdf, rec); err != nil {
			return err
		}
		pw, err := z.Create("receipts/receipt-" + rec.Number + ".pdf")
		if err != nil {
			return err
		}
		if _, err := pw.Write(pdf.Bytes()); err != nil {
			return err
		}
	}
	return z.Close()
}
