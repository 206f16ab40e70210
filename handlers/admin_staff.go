package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
)

// Staff accounts: the list, adding one, disabling one (admins only).

type staffRow struct {
	Email, Role, LastLogin string
	Disabled               bool
}

type staffData struct {
	adminPage
	Users  []staffRow
	Errors fieldErrors
}

func (s *Server) adminStaff(c *gin.Context) { s.renderStaff(c, "", nil, http.StatusOK) }

// renderStaff shows the accounts; problem, when set, says why the last
// form was refused.
func (s *Server) renderStaff(c *gin.Context, problem string, errs fieldErrors, status int) {
	users, err := s.store.StaffList(c.Request.Context())
	if err != nil {
		s.error(c, err)
		return
	}
	d := staffData{adminPage: s.adminBase(c), Errors: errs}
	if problem != "" {
		d.Notice = problem
	}
	for _, u := range users {
		r := staffRow{Email: u.Email, Role: u.Role, Disabled: u.Disabled, LastLogin: "never"}
		if u.LastLoginAt != nil {
			r.LastLogin = u.LastLoginAt.In(s.cfg.Location).Format("2006-01-02 15:04")
		}
		d.Users = append(d.Users, r)
	}
	s.render(c, status, "admin_staff", d)
}

func (s *Server) adminAddStaff(c *gin.Context) {
	email, role, password := strings.TrimSpace(c.PostForm("email")), c.PostForm("role"), c.PostForm("password")
	errs := fieldErrors{}
	if !validEmail(email) {
		errs["email"] = "Enter an email address like name@example.com."
	}
	generated := password == ""
	if generated {
		var err error
		if password, err = models.GeneratePassword(); err != nil {
			s.error(c, err)
			return
		}
	} else if msg := models.CheckPassword(password); msg != "" {
		errs["password"] = msg
	}
	if role != models.RoleAdmin {
		role = models.RoleStaff
	}
	if len(errs) > 0 {
		s.renderStaff(c, "", errs, http.StatusUnprocessableEntity)
		return
	}
	_, err := s.store.AddStaff(c.Request.Context(), email, password, role, actor(c))
	if errors.Is(err, models.ErrConflict) {
		s.renderStaff(c, "", fieldErrors{"email": models.Message(err)}, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	notice := "Added " + email + "."
	if generated {
		// Shown once, on the page the redirect leads to; the flash cookie
		// that carries it is encrypted and lives two minutes.
		notice += " Their password, shown only now: " + password
	}
	s.setFlash(c, notice)
	c.Redirect(http.StatusSeeOther, "/admin/staff")
}

func (s *Server) adminDisableStaff(c *gin.Context) {
	email := strings.TrimSpace(c.PostForm("email"))
	if !validEmail(email) {
		s.renderStaff(c, "That is not an account's email address.", nil, http.StatusUnprocessableEntity)
		return
	}
	if models.NormaliseEmail(email) == currentStaff(c).Email {
		s.renderStaff(c, "You cannot disable your own account.", nil, http.StatusUnprocessableEntity)
		return
	}
	err := s.store.DisableStaff(c.Request.Context(), email, actor(c))
	if errors.Is(err, models.ErrNotFound) {
		s.renderStaff(c, models.Message(err), nil, http.StatusNotFound)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, "Disabled "+email+".")
	c.Redirect(http.StatusSeeOther, "/admin/staff")
}
