// Package imports reads the donors and past gifts a newsroom brings from
// another system's CSV export: Donorbox, Salesforce NPSP, or our plain
// template. A mapping names, for each field, the headers it goes by; each
// row becomes a record for the ledger or a rejection with its reason.
package imports

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Mapping is an export's columns: each field, and the headers it may
// carry (compared without case or surrounding space).
type Mapping struct {
	Name   string
	Fields map[string][]string
}

// The fields a mapping may fill.
const (
	fEmail, fName, fFirst, fLast             = "email", "name", "first_name", "last_name"
	fLine1, fLine2, fCity, fState, fPostal   = "address_line1", "address_line2", "city", "state", "postal_code"
	fCountry, fAmount, fCurrency, fDate, fID = "country", "amount", "currency", "date", "id"
	fMethod, fReference, fReceipt            = "method", "reference", "receipted_elsewhere"
)

// Mappings are the exports the importer knows. Template's headers are the
// field names themselves; the others list the headers those systems use
// in their exports, and their API names where people export those.
var Mappings = map[string]Mapping{
	"template": {Name: "template", Fields: map[string][]string{
		fEmail: {fEmail}, fName: {fName}, fFirst: {fFirst}, fLast: {fLast}, fLine1: {fLine1}, fLine2: {fLine2}, fCity: {fCity},
		fState: {fState}, fPostal: {fPostal}, fCountry: {fCountry}, fAmount: {fAmount}, fCurrency: {fCurrency}, fDate: {fDate},
		fID: {fID}, fMethod: {fMethod}, fReference: {fReference}, fReceipt: {fReceipt},
	}},
	"donorbox": {Name: "donorbox", Fields: map[string][]string{
		fEmail: {"Donor Email", "Email"}, fName: {"Name", "Donor Name", "Full Name"},
		fFirst: {"First Name", "Donor First Name"}, fLast: {"Last Name", "Donor Last Name"},
		fLine1: {"Address", "Address Line 1", "Street Address"}, fLine2: {"Address 2", "Address Line 2"}, fCity: {"City"},
		fState: {"State / Province", "State/Province", "State", "Province"}, fPostal: {"Postal Code", "Zip Code", "Zip/Postal Code", "ZIP"},
		fCountry: {"Country"}, fAmount: {"Amount", "Donation Amount"}, fCurrency: {"Currency"}, fDate: {"Donation Date", "Date"},
		fID:     {"Donation ID", "Transaction ID", "Stripe Charge Id", "Paypal Transaction Id", "ID"},
		fMethod: {"Donation Type", "Payment Method"}, fReference: {"Check Number", "Cheque Number"}, fReceipt: {"Receipt Id", "Receipt Number"},
	}},
	"npsp": {Name: "npsp", Fields: map[string][]string{
		fEmail: {"Contact1 Personal Email", "npsp__Contact1_Personal_Email__c", "Contact1 Preferred Email", "Email", "Contact Email"},
		fFirst: {"Contact1 First Name", "npsp__Contact1_Firstname__c", "First Name"},
		fLast:  {"Contact1 Last Name", "npsp__Contact1_Lastname__c", "Last Name"},
		fLine1: {"Home Street", "npsp__Home_Street__c", "Mailing Street"}, fCity: {"Home City", "npsp__Home_City__c", "Mailing City"},
		fState:   {"Home State/Province", "npsp__Home_State_Province__c", "Mailing State/Province"},
		fPostal:  {"Home Zip/Postal Code", "npsp__Home_Zip_Postal_Code__c", "Mailing Zip/Postal Code"},
		fCountry: {"Home Country", "npsp__Home_Country__c", "Mailing Country"},
		fAmount:  {"Donation Amount", "npsp__Donation_Amount__c", "Amount"}, fCurrency: {"Currency ISO Code", "CurrencyIsoCode"},
		fDate: {"Donation Date", "npsp__Donation_Date__c", "Close Date"}, fID: {"Donation Record ID", "Opportunity ID", "Id"},
		fMethod:    {"Payment Method", "npsp__Payment_Method__c"},
		fReference: {"Payment Check/Reference Number", "npsp__Payment_Check_Reference_Number__c"}, fReceipt: {"Receipt Number"},
	}},
}

// Options say how to read values the file leaves open.
type Options struct {
	Currency string // when the file has no currency column: the org's
	// Dates: "mdy" or "dmy" reads 03/04/2026 as March 4 or 3 April;
	// empty refuses such a date as ambiguous.
	Dates string
	Now   time.Time // a date after it is refused
}

// Result is what a file holds, row by row.
type Result struct {
	Donors   []models.ImportedDonor
	Gifts    []models.ImportedGift
	Rejected []models.Rejection
}

// table is a CSV with its header resolved against a mapping.
type table struct {
	r    *csv.Reader
	cols map[string]int
	line int
}

func open(in io.Reader, m Mapping, required ...string) (*table, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	at := map[string]int{}
	for i, h := range header {
		at[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	t := &table{r: r, cols: map[string]int{}, line: 1}
	for field, names := range m.Fields {
		for _, n := range names {
			if i, ok := at[strings.ToLower(n)]; ok {
				t.cols[field] = i
				break
			}
		}
	}
	var missing []string
	for _, f := range required {
		if _, ok := t.cols[f]; !ok {
			missing = append(missing, fmt.Sprintf("%s (%s)", f, strings.Join(m.Fields[f], ", ")))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the %s mapping finds no column for: %s", m.Name, strings.Join(missing, "; "))
	}
	return t, nil
}

// next is the next row as fields, nil at the end.
func (t *table) next() (map[string]string, error) {
	rec, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	t.line++
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", t.line, err)
	}
	row := map[string]string{}
	for f, i := range t.cols {
		if i < len(rec) {
			row[f] = strings.TrimSpace(rec[i])
		}
	}
	return row, nil
}

func nameOf(row map[string]string) string {
	if n := row[fName]; n != "" {
		return n
	}
	return strings.TrimSpace(row[fFirst] + " " + row[fLast])
}

func addressOf(row map[string]string) models.Address {
	return models.Address{Line1: row[fLine1], Line2: row[fLine2], City: row[fCity], State: row[fState], PostalCode: row[fPostal],
		Country: strings.ToUpper(row[fCountry])}
}

func emailProblem(email string) string {
	if email == "" {
		return "no email address (donors are matched by email)"
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return fmt.Sprintf("%q is not an email address", email)
	}
	return ""
}

// ReadDonors reads a donors export.
func ReadDonors(in io.Reader, m Mapping) (*Result, error) {
	t, err := open(in, m, fEmail)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	for {
		row, err := t.next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			return res, nil
		}
		if p := emailProblem(row[fEmail]); p != "" {
			res.Rejected = append(res.Rejected, models.Rejection{Line: t.line, Reason: p})
			continue
		}
		res.Donors = append(res.Donors, models.ImportedDonor{Line: t.line, Email: row[fEmail], Name: nameOf(row), Address: addressOf(row)})
	}
}

// ReadGifts reads a gifts export. Each gift's key is the mapping's name
// and the row's id, or, for files without ids, a hash of what the row
// says (and how many identical rows came before it): either way a second
// run of the same file finds every gift already there.
func ReadGifts(in io.Reader, m Mapping, o Options) (*Result, error) {
	t, err := open(in, m, fEmail, fAmount, fDate)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	seen := map[string]int{}
	for {
		row, err := t.next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			return res, nil
		}
		reject := func(format string, args ...any) {
			res.Rejected = append(res.Rejected, models.Rejection{Line: t.line, Reason: fmt.Sprintf(format, args...)})
		}
		if p := emailProblem(row[fEmail]); p != "" {
			reject("%s", p)
			continue
		}
		cur := strings.ToLower(row[fCurrency])
		if cur == "" {
			cur = strings.ToLower(o.Currency)
		}
		if !money.Supported(cur) {
			reject("currency %q is not one Stripe supports", row[fCurrency])
			continue
		}
		amount, err := money.ParseMajor(strings.NewReplacer("$", "", "£", "", "€", "", ",", "").Replace(row[fAmount]), cur)
		if err != nil || amount <= 0 {
			reject("amount %q is not an amount above zero", row[fAmount])
			continue
		}
		date, problem := parseDate(row[fDate], o)
		if problem != "" {
			reject("%s", problem)
			continue
		}
		method, ok := methodOf(row[fMethod])
		if !ok {
			reject("payment method %q is not one of card, cheque, cash, transfer or grant", row[fMethod])
			continue
		}
		key := m.Name + ":" + row[fID]
		if row[fID] == "" {
			sum := sha256.Sum256([]byte(strings.Join([]string{strings.ToLower(row[fEmail]), date.Format(time.RFC3339), fmt.Sprint(amount), cur, row[fReference]}, "|")))
			h := hex.EncodeToString(sum[:12])
			seen[h]++
			key = fmt.Sprintf("%s:row:%s:%d", m.Name, h, seen[h])
		}
		res.Gifts = append(res.Gifts, models.ImportedGift{Line: t.line, Key: key, Email: row[fEmail], Name: nameOf(row), Address: addressOf(row),
			Amount: amount, Currency: cur, Date: date, Method: method, Reference: row[fReference], ReceiptedElsewhere: row[fReceipt]})
	}
}

// parseDate reads ISO dates (with or without a time) and, when told which,
// US or European slashed ones.
func parseDate(s string, o Options) (time.Time, string) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return checkDate(t, o)
		}
	}
	if strings.Count(s, "/") == 2 {
		layout := map[string]string{"mdy": "1/2/2006", "dmy": "2/1/2006"}[o.Dates]
		if layout == "" {
			return time.Time{}, fmt.Sprintf("date %q could be month/day or day/month: say which with --dates mdy or --dates dmy", s)
		}
		date, _, _ := strings.Cut(s, " ")
		if t, err := time.Parse(layout, date); err == nil {
			return checkDate(t, o)
		}
	}
	return time.Time{}, fmt.Sprintf("date %q is not a date such as 2026-12-04", s)
}

func checkDate(t time.Time, o Options) (time.Time, string) {
	if !o.Now.IsZero() && t.After(o.Now) {
		return time.Time{}, fmt.Sprintf("date %s is in the future", t.Format("2006-01-02"))
	}
	return t, ""
}

// methodOf reads a payment method the way exports write it.
func methodOf(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "card", "credit card", "debit card", "stripe", "paypal", "online", "apple pay", "google pay":
		return models.MethodStripe, true
	case "cheque", "check":
		return models.MethodCheque, true
	case "cash":
		return models.MethodCash, true
	case "transfer", "bank transfer", "ach", "wire", "eft", "direct debit", "bacs":
		return models.MethodTransfer, true
	case "grant", "daf", "donor-advised fund", "donor advised fund", "foundation":
		return models.MethodGrant, true
	}
	return "", false
}
